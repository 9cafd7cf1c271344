"""The Jupyter-kernel engine gives the same scores as the sandboxed one."""

from autograder.course import load_assignment, notebook_path
from autograder.engine.execute import execute_notebook
from autograder.engine.kernel import KernelEngine
from autograder.engine.session import Limits
from autograder.notebook.build import filled_notebook, replace_functions
from autograder.notebook.read import CodeCell
from autograder.scoring.submission import grade_notebook

LIMITS = Limits(cell_timeout=5, call_timeout=5, total_timeout=120)


def test_both_engines_give_the_same_scores(logistic, filled_logistic, write_notebook, engine):
    mistakes = {m.function: m.source for m in logistic.mistakes[:1]}
    mistakes.update({m.function: m.source for m in logistic.mistakes if m.function == "update"})
    notebooks = [write_notebook(filled_logistic(), "filled"),
                 write_notebook(replace_functions(filled_logistic(), mistakes), "mistaken")]
    for path in notebooks:
        fast = grade_notebook(logistic, path, engine, limits=LIMITS)
        with KernelEngine() as kernel:
            faithful = grade_notebook(logistic, path, kernel, limits=LIMITS)
        assert [(c.name, c.points) for c in faithful.cases] == [(c.name, c.points) for c in fast.cases]
        assert any("without a sandbox" in note for note in faithful.notes)
    assert fast.total < fast.possible


def test_cells_are_reported_in_the_same_words(engine):
    """A cell past its time limit is named with its limit, not as a KeyboardInterrupt; exit() is
    plain Python's SystemExit; a cell that ends the kernel is named, skipped and the rest replayed."""
    cells = [CodeCell(1, "def f():\n    return x"), CodeCell(2, "while True:\n    pass"), CodeCell(3, "exit()"),
             CodeCell(4, "import os\nos._exit(0)"), CodeCell(5, "x = 5")]
    limits = Limits(cell_timeout=2, call_timeout=2, total_timeout=120)
    reports = {}
    for name, chosen in (("sandbox", engine), ("kernel", KernelEngine())):
        run, reports[name] = execute_notebook(chosen, cells, limits)
        try:
            assert run.call("f", ()).value == 5
        finally:
            run.close()
    assert reports["kernel"] == reports["sandbox"]
    assert [r.status for r in reports["kernel"]] == ["ok", "timeout", "error", "killed", "ok"]
    assert reports["kernel"][1].message == "cell 2 was interrupted after 2 s (cell time limit)."
    assert "ended the notebook's process" in reports["kernel"][3].message


def test_form_checks_find_the_cell_of_a_function(write_notebook, engine, root):
    """Functions defined in the kernel are known by their cell, as in the sandbox: Vectorized can read them."""
    assignment = load_assignment("computation_graph", root)
    path = write_notebook(filled_notebook(assignment, notebook_path("computation_graph", root)), "filled")
    fast = grade_notebook(assignment, path, engine, limits=LIMITS)
    with KernelEngine() as kernel:
        faithful = grade_notebook(assignment, path, kernel, limits=LIMITS)
    assert [(c.name, c.points) for c in faithful.cases] == [(c.name, c.points) for c in fast.cases]
    assert faithful.total == faithful.possible
