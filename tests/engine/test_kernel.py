"""The Jupyter-kernel engine gives the same scores as the sandboxed one."""

import numpy as np
import pytest

from autograder.course import assignment_names, load_assignment, notebook_path
from autograder.engine.execute import execute_notebook
from autograder.engine.kernel import KernelEngine, KernelRun
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


def per_question(result) -> dict[str, float]:
    points: dict[str, float] = {}
    for case in result.cases:
        points[case.question] = points.get(case.question, 0.0) + case.points
    return points


@pytest.mark.slow
@pytest.mark.parametrize("name", assignment_names())
def test_every_assignment_scores_alike_in_both_engines(name, write_notebook, engine, root):
    """The reference-filled notebook, and one with the assignment's first known
    mistake (so that equal scores are not only full marks)."""
    assignment = load_assignment(name, root)
    filled = filled_notebook(assignment, notebook_path(name, root))
    mistake = assignment.mistakes[0]
    for label, notebook in (("filled", filled),
                            ("mistaken", replace_functions(filled, {mistake.function: mistake.source}))):
        path = write_notebook(notebook, f"{name}-{label}")
        fast = grade_notebook(assignment, path, engine)
        with KernelEngine() as kernel:
            faithful = grade_notebook(assignment, path, kernel)
        assert per_question(faithful) == per_question(fast), (label, faithful.notes)
        assert [(c.name, c.points) for c in faithful.cases] == [(c.name, c.points) for c in fast.cases]
        assert (fast.total == fast.possible) == (label == "filled"), (label, fast.total)


def test_calls_cost_no_jupyter_request(monkeypatch):
    """Calls go to the kernel in batches over its socket: however many there
    are, a kernel takes one execute request for them (until the next cell)."""
    requests = []
    send = KernelRun._send
    monkeypatch.setattr(KernelRun, "_send", lambda run, code, cell_id="": requests.append(code[:20]) or
                        send(run, code, cell_id))
    run, reports = execute_notebook(KernelEngine(), [CodeCell(1, "def double(x):\n    return 2 * x")], LIMITS)
    try:
        assert [r.status for r in reports] == ["ok"]
        before = len(requests)
        values = [run.call("double", (np.full(3, k),)).value for k in range(40)]
        values += [r.value for r in run.call_many([("double", (np.full(3, k),)) for k in range(40, 60)])]
        assert [v[0] for v in values] == [2.0 * k for k in range(60)]
        assert requests[before:] == ["__autograder__.serve"]
        assert run.exec_cell(2, "def triple(x):\n    return 3 * x")["status"] == "ok"  # calls end, a cell runs
        assert run.call("triple", (2,)).value == 6 and len(requests) == before + 3
    finally:
        run.close()


def test_a_call_that_changes_the_grader_s_code_is_found_out_in_a_kernel():
    """The kernel side checks the grader's code before each reply, as the sandbox's worker."""
    sneaky = ("import sys\n\ndef pure(theta, grad, lr):\n"
              "    sys._getframe(1).f_globals['_aliases'] = lambda value, args: []\n"
              "    return theta - lr * grad\n")
    honest = "def honest(theta):\n    return theta + 1\n"
    run, _ = execute_notebook(KernelEngine(), [CodeCell(1, honest), CodeCell(2, sneaky)], LIMITS)
    try:
        assert not run.call("honest", (np.ones(2),)).tampered and not run.tampered
        result = run.call("pure", (np.ones(3), np.ones(3), 0.5))
        np.testing.assert_array_equal(result.value, [0.5, 0.5, 0.5])  # values still count
        assert result.tampered and run.tampered
    finally:
        run.close()
