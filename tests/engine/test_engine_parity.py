"""Both engines give the same scores: the sandbox and a real Jupyter kernel.

Each notebook here is graded by the default (sandboxed) engine and by the
kernel engine, with the hostile suite's small limits, and must earn the same
points on every question. The notebooks cover every way a cell can end or hang
its process (exit calls, os._exit, a segfault, a C stack overflow, closed
sockets, the memory limit, the cell and total time limits, an interrupt that
is ignored), a call that does so, and layouts a student may choose (functions
moved, split, redefined, defined under cell magics). Where the kernel engine
must say the same kind of thing as the sandbox (the cell it skipped and the
limit it hit), the corpus's expectations are checked on its result too.

The kernel engine starts a kernel per notebook (and one more per replay), so
the list is chosen to cover each way once; the whole test takes about a minute.
"""

from __future__ import annotations

import secrets
from dataclasses import replace

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from autograder.course import load_assignment, notebook_path
from autograder.engine.kernel import KernelEngine
from autograder.scoring.submission import grade_notebook
from tests.hostile.corpus import (
    ASSIGNMENT,
    BY_NAME,
    LEAF,
    SUITE_LIMITS,
    Context,
    Expect,
    Hostile,
    check_expectation,
    defining_cell,
    student_text,
)

pytestmark = pytest.mark.slow

# From the hostile corpus: how a cell (or a call) can end or hang its process, and layouts.
CORPUS = [
    "os-exit-at-the-end",  # os._exit(0) in a cell: skipped, replayed without it
    "sys-exit-at-the-end",  # sys.exit() in a cell: an ordinary error
    "segfault-top-level",  # a crash: skipped, replayed
    "close-every-fd",  # the process loses its line to the grader: skipped, replayed
    "memory-bomb-top-level",  # the memory limit: MemoryError, the cell fails alone
    "loop-in-defining-cell",  # the cell time limit: interrupted before its def, costs what it defines
    "loop-ignores-interrupt-top-level",  # the interrupt ignored: killed, skipped, replayed
    "slow-cells-use-up-total-time",  # the total time limit
    "loop-ignores-interrupt-in-function",  # a call that ignores its interrupt: stuck, later calls fail at once
    "os-exit-in-function",  # a call that ends its process: a fresh one answers the next call
    "redefined-later-wrong",  # the last definition wins
    "syntax-error-in-defining-cell",
]

# The hostile suite's one second is for the sandbox, whose processes start with Matplotlib warm. A fresh
# kernel draws the notebook's first mathtext labels in about a second when the machine is busy.
CELL_LIMIT = 4.0

# Deliberate differences in what the student is told (never in scores), by case.
MESSAGE_DIFFERENCES = {
    "exit-calls": "get_ipython().ask_exit() ends a Jupyter kernel (the cell is skipped and the notebook replayed); "
                  "the sandbox's stand-in shell has no ask_exit, so there it is an AttributeError",
}


def _cell(ctx: Context, name: str) -> int:
    return defining_cell(ctx.filled(), name)


def exit_calls(ctx: Context) -> nbformat.NotebookNode:
    """exit(), quit() and exit(0) in cells of their own, and a kernel asked to exit."""
    notebook = ctx.filled()
    notebook.cells.insert(defining_cell(notebook, LEAF), new_code_cell("exit()\n"))
    notebook.cells.insert(defining_cell(notebook, "predict"), new_code_cell("quit()\n"))
    notebook.cells += [new_code_cell("get_ipython().ask_exit()\n"), new_code_cell("exit(0)\n")]
    return notebook


def exit_in_defining_cells(ctx: Context) -> nbformat.NotebookNode:
    """exit() after a def keeps the def; quit() before one loses it, as in the sandbox."""
    notebook = ctx.filled()
    kept = notebook.cells[defining_cell(notebook, "tanh_gradient")]
    kept.source = kept.source.rstrip("\n") + "\n\nexit()\n"
    lost = notebook.cells[defining_cell(notebook, LEAF)]
    lost.source = "quit()\n\n" + lost.source
    return notebook


def functions_moved(ctx: Context) -> nbformat.NotebookNode:
    """Every function in one cell at the end, in reverse order (helpers after their callers)."""
    notebook = ctx.filled()
    names = list(ctx.assignment.contract)
    sources = []
    for name in names:
        index = defining_cell(notebook, name)
        sources.append(notebook.cells[index].source)
        notebook.cells[index].source = "# moved to the end\n"
    notebook.cells.append(new_code_cell("\n\n".join(reversed(sources))))
    return notebook


def functions_split(ctx: Context) -> nbformat.NotebookNode:
    """A function whose work is done by a helper defined cells later, and a
    cell split in two (its import in a cell of its own)."""
    notebook = ctx.filled()
    leaf = notebook.cells[defining_cell(notebook, LEAF)]
    body = leaf.source.replace(f"def {LEAF}(", f"def _{LEAF}_helper(", 1)
    leaf.source = f"def {LEAF}(X, y, theta):\n    return _{LEAF}_helper(X, y, theta)\n"
    notebook.cells.append(new_code_cell(body))
    train = defining_cell(notebook, "train")
    notebook.cells.insert(train, new_code_cell("import numpy as np\n"))
    return notebook


def magic_cells(ctx: Context) -> nbformat.NotebookNode:
    """Functions defined under cell magics: %%time, %%capture and %%prun keep
    them; %%timeit does not (IPython times the cell inside a function); a
    %%writefile'd module brought in by %run does."""
    notebook = ctx.filled()
    for name, magic in (("sigmoid", "%%time"), ("predict", "%%capture output"), ("bce_loss", "%%prun -q"),
                        ("bce_second_derivative", "%%timeit -n1 -r1"), ("compute_gradient", "%matplotlib inline")):
        cell = notebook.cells[defining_cell(notebook, name)]
        cell.source = f"{magic}\n{cell.source}"
    tanh = defining_cell(notebook, "tanh_gradient")
    notebook.cells[tanh].source = "%%writefile tanh_module.py\nimport numpy as np\n\n" + notebook.cells[tanh].source
    notebook.cells.insert(tanh + 1, new_code_cell("%run tanh_module.py\n"))
    return notebook


CUSTOM = [
    Hostile("exit-calls", "exit(), quit() and a kernel asked to exit cost nothing", exit_calls,
            Expect(reason=("SystemExit",))),
    Hostile("exit-in-defining-cells", "exit() ends only what follows it in its cell",
            exit_in_defining_cells, Expect(lost=(LEAF,), reason=("SystemExit",))),
    Hostile("functions-moved", "where functions are defined does not matter", functions_moved, Expect()),
    Hostile("functions-split", "a function and its helper in different cells", functions_split, Expect()),
    Hostile("magic-cells", "functions under cell magics are defined as IPython defines them", magic_cells,
            Expect(lost=("bce_second_derivative",))),
]

CASES = [BY_NAME[name] for name in CORPUS] + CUSTOM


@pytest.fixture(scope="module")
def assignment(root):
    return load_assignment(ASSIGNMENT, root)


@pytest.fixture
def context(tmp_path, assignment, root) -> Context:
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    return Context(assignment=assignment, student_notebook=notebook_path(ASSIGNMENT, root), course_root=root,
                   out_dir=tmp_path / "grades", submission_dir=submissions, label="student",
                   marker=f"parity-{secrets.token_hex(6)}", host_marker_file=tmp_path / "unpickled-marker")


def per_question(result) -> dict[str, float]:
    points: dict[str, float] = {}
    for case in result.cases:
        points[case.question] = points.get(case.question, 0.0) + case.points
    return points


@pytest.fixture
def every_cell(engine):
    """The shared sandboxed engine running every cell, as the kernel engine
    below: a hostile cell that grading leaves out would compare nothing."""
    engine.run_all_cells = True
    try:
        yield engine
    finally:
        engine.run_all_cells = False


@pytest.mark.parametrize("case", [pytest.param(case, id=case.name) for case in CASES])
def test_both_engines_give_the_same_scores(case, context, assignment, every_cell):
    path = context.submission_dir / f"{case.name}.ipynb"
    nbformat.write(case.build(context), path)
    limits = replace(SUITE_LIMITS, **{"cell_timeout": CELL_LIMIT, **case.limits})
    sandboxed = grade_notebook(assignment, path, every_cell, limits=limits)
    kernel = KernelEngine()
    kernel.run_all_cells = True
    faithful = grade_notebook(assignment, path, kernel, limits=limits)

    assert per_question(faithful) == per_question(sandboxed), (
        "\n".join(["the engines disagree", "--- sandbox:", *sandboxed.notes, "--- kernel:", *faithful.notes]))
    check_expectation(case, sandboxed, assignment)
    check_expectation(case, faithful, assignment)
    if case.name not in MESSAGE_DIFFERENCES:
        assert _cell_notes(faithful) == _cell_notes(sandboxed)
    assert "without a sandbox" in student_text(faithful)


def _cell_notes(result) -> list[str]:
    """What the student is told about the cells (the kernel engine adds its warning). Whether the
    total time limit stops a cell while it runs or before it starts depends on the machine's load,
    so those notes are compared by the cell and the limit they name."""
    notes = [note for note in result.notes if note.startswith("cell ")]
    return [note.split(" was ")[0] + ": total time limit" if "total time limit" in note else note for note in notes]
