"""Leaving out cells nothing graded depends on: the rules on small notebooks,
and the proof on every corpus the tests have (reference-filled notebooks and
every known mistake, the demo's samples, the hostile corpus) that per-question
scores are the same graded the fast way (cells left out, and the first calls
of all cases in one round trip, ``scoring.prefetch``) and the plain way."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import nbformat
import pytest

from autograder.course import assignment_names, load_assignment, notebook_path
from autograder.demo import write_samples
from autograder.engine.session import Engine, Limits
from autograder.notebook.build import filled_notebook, mistaken_notebook
from autograder.notebook.relevance import unneeded_cells
from autograder.notebook.transform import to_python
from autograder.scoring.submission import grade_notebook

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ("sigmoid", "predict")
SETUP = "import numpy as np\nimport matplotlib.pyplot as plt"
SIGMOID = "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))"
PREDICT = "def predict(X, theta):\n    return sigmoid(X @ theta)"
DEMO = "z = np.linspace(-5, 5, 11)\nfig, ax = plt.subplots()\nax.plot(z, sigmoid(z))\nprint(predict(np.eye(2), z[:2]))"


def left_out(*sources: str, contract=CONTRACT) -> list[int]:
    """Indices (1-based, in order) of the cells ``unneeded_cells`` leaves out."""
    return sorted(unneeded_cells([(i, to_python(s)) for i, s in enumerate(sources, start=1)], contract))


# --- the rules ------------------------------------------------------------------------------------------


def test_a_demo_cell_that_only_calls_and_plots_is_left_out():
    assert left_out(SETUP, SIGMOID, PREDICT, DEMO, 'check("sigmoid")') == [4, 5]


def test_the_self_check_cell_is_left_out_even_beside_a_definition():
    setup = SETUP + '\nfrom autograder.selfcheck import Checker\ncheck = Checker("logistic_regression")'
    assert left_out(setup, SIGMOID + '\ncheck("sigmoid")', PREDICT, "check()") == [4]


@pytest.mark.parametrize("demo", [
    "sigmoid = lambda z: 0.5",                      # rebinds a graded name
    "def predict(X, theta):\n    return X[:, 0]",   # defines a contract name again
    "del sigmoid",
    "for sigmoid in [abs]:\n    pass",
    "try:\n    pass\nexcept ValueError as predict:\n    pass",
])
def test_a_cell_that_binds_a_graded_name_runs(demo):
    assert 4 not in left_out(SETUP, SIGMOID, PREDICT, demo)


def test_a_name_a_graded_function_reads_is_graded_too_transitively():
    scaled = "def predict(X, theta):\n    return sigmoid(X @ theta) * shift(1)"
    helper = "def shift(v):\n    return v * SCALE"
    assert left_out(SETUP, SIGMOID, scaled, helper, "SCALE = 1.0", "SCALE = 2.0", DEMO) == [7]
    assert left_out(SETUP, SIGMOID, scaled, helper, "SCALE = 1.0", "z = 3\nSCALE = z") == []


@pytest.mark.parametrize("demo", [
    "import math",                                  # imports run
    "np.random.seed(0)",                            # the global random stream
    "np.random.rand(3)",
    "np.seterr(all='ignore')",                      # NumPy's process-wide state
    "np.exp(np.zeros(2), out=np.ones(2))",          # writes into an array
    "z = np.zeros(3)\nw = z\nw[0] = 1",             # an item of an object the cell did not make
    "plt.figure().number = 3",                      # attributes
    "exec('sigmoid = abs')",                        # dynamic code
    "globals()['sigmoid'] = abs",
    "%time predict(np.eye(2), np.ones(2))",         # magics
    "!ls",
    "np.save('w.npy', np.ones(2))",                 # files
    "with open('w.txt', 'w') as f:\n    f.write('1')",
    "x = sigmoid.__code__",                         # dunders
    "d = np.typecodes\nd.clear()",                  # a module's mutable object
])
def test_a_cell_with_effects_the_rules_cannot_bound_runs(demo):
    assert 4 not in left_out(SETUP, SIGMOID, PREDICT, demo)


def test_items_of_objects_the_cell_made_may_be_set():
    loop = "g = np.zeros(3)\nfor i in range(3):\n    g[i] = sigmoid(i)\nplus, minus = g.copy(), g.copy()\nplus[0] += 1"
    assert left_out(SETUP, SIGMOID, PREDICT, loop) == [4]


@pytest.mark.parametrize("elsewhere", [
    "def reset():\n    global shift\n    shift = 1",
    "def remember(v, seen=[]):\n    seen.append(v)\n    return v",
    "class Model:\n    pass",
    "import os",
    "from numpy import *",
    "m = np",
    "def fill(a):\n    a.attribute = 1",
    "def draw():\n    np.random.shuffle(np.arange(3))",
])
def test_a_notebook_the_rules_cannot_vouch_for_runs_every_cell(elsewhere):
    assert left_out(SETUP, SIGMOID, PREDICT, elsewhere, DEMO) == []


def test_graded_data_must_be_constant():
    scaled = "def predict(X, theta):\n    return sigmoid(X @ theta) * SCALE"
    assert left_out(SETUP, SIGMOID, scaled, "SCALE = 2.0", DEMO) == [5]
    assert left_out(SETUP, SIGMOID, scaled, "SCALE = np.ones(2)", DEMO) == []


def test_a_cell_that_does_not_compile_runs_and_says_so():
    assert left_out(SETUP, SIGMOID, PREDICT, "def broken(:\n    pass", DEMO) == [5]


def test_every_assignment_leaves_out_its_demo_cells():
    for name in assignment_names(ROOT):
        course = load_assignment(name, ROOT)
        cells = read_cells(filled_notebook(course, notebook_path(name, ROOT)))
        unneeded = unneeded_cells(cells, course.contract)
        defining = {index for index, source in cells if any(f"def {f}(" in source for f in course.contract)}
        assert unneeded and not unneeded & defining, name
        assert any("plt." in source for index, source in cells if index in unneeded), name


def read_cells(notebook: nbformat.NotebookNode) -> list[tuple[int, str]]:
    return [(i, to_python(cell.source)) for i, cell in enumerate(notebook.cells, start=1) if cell.cell_type == "code"]


# --- same scores with and without leaving cells out --------------------------------------------------


@pytest.fixture(scope="module")
def engine():
    with Engine() as shared:
        yield shared


@functools.cache
def course(name: str):
    return load_assignment(name, ROOT)


def scores_both_ways(engine, course, path: Path, limits: Limits | None = None) -> tuple[dict, dict]:
    """Per-question scores graded the fast way (cells nothing graded depends
    on left out, the first calls of all cases in one round trip), then the
    plain way (every cell run, one round trip per call)."""
    questions = [q.name for q in course.questions]
    results = []
    for plain in (False, True):
        engine.run_all_cells, engine.batch_calls = plain, not plain
        try:
            results.append(grade_notebook(course, path, engine, limits=limits).question_scores(questions))
        finally:
            engine.run_all_cells, engine.batch_calls = False, True
    return results[0], results[1]


def graded_limits(course) -> Limits:
    """The assignment's own limits; hangs cut to two seconds (the same for both runs)."""
    own = Limits.from_dict(course.limits)
    return dataclasses.replace(own, cell_timeout=min(own.cell_timeout, 2.0), call_timeout=min(own.call_timeout, 2.0))


def sampled_mistakes(course_) -> list[tuple[int, object]]:
    """Every mistake of logistic_regression; elsewhere the first mistake of
    each function and every mistake that hangs. Mistakes differ only inside
    function bodies, so the cells the analysis may leave out are the same in
    each notebook; one mistaken body per function shows those cells do not
    reach it, and a hang is where leaving a cell out changes the time spent.
    (All 150 take about 7 minutes on two cores.)"""
    if course_.name == "logistic_regression":
        return list(enumerate(course_.mistakes))
    seen, chosen = set(), []
    for k, mistake in enumerate(course_.mistakes):
        hangs = "while True" in mistake.source
        if mistake.function not in seen or hangs:
            seen.add(mistake.function)
            chosen.append((k, mistake))
    return chosen


@pytest.mark.parametrize("name", ["logistic_regression", "computation_graph", "jacobians", "mlp_backprop",
                                  "matrix_calculus"])
def test_every_known_mistake_scores_the_same_with_cells_left_out(name, engine, tmp_path):
    course_ = course(name)
    student = notebook_path(name, ROOT)
    notebooks = {"filled": filled_notebook(course_, student)}
    notebooks |= {f"mistake-{k}": mistaken_notebook(course_, student, m) for k, m in sampled_mistakes(course_)}
    differ = {}
    for label, notebook in notebooks.items():
        path = tmp_path / f"{label}.ipynb"
        nbformat.write(notebook, path)
        left, full = scores_both_ways(engine, course_, path, graded_limits(course_))
        if left != full:
            differ[label] = (left, full)
    assert differ == {}


def test_the_demo_samples_score_the_same_with_cells_left_out(engine, tmp_path):
    course_ = course("logistic_regression")
    limits = Limits(cell_timeout=2.0, call_timeout=2.0)
    for path in write_samples(course_, ROOT, tmp_path):
        left, full = scores_both_ways(engine, course_, path, limits)
        assert left == full, path.name


def test_the_switch_runs_every_cell(engine, tmp_path, write_notebook):
    course_ = course("logistic_regression")
    notebook = filled_notebook(course_, notebook_path("logistic_regression", ROOT))
    notebook.cells.append(nbformat.v4.new_code_cell("while True:\n    pass"))
    path = tmp_path / "hangs.ipynb"
    nbformat.write(notebook, path)
    limits = Limits(cell_timeout=1.0, call_timeout=2.0)
    left = grade_notebook(course_, path, engine, limits=limits)
    engine.run_all_cells = True
    try:
        full = grade_notebook(course_, path, engine, limits=limits)
    finally:
        engine.run_all_cells = False
    assert not any("time limit" in note for note in left.notes)
    assert any("time limit" in note for note in full.notes)
    assert left.total == full.total == left.possible


def hostile_cases():
    from hostile.corpus import CASES
    return CASES


@pytest.mark.slow
@pytest.mark.parametrize("case", hostile_cases(), ids=lambda case: case.name)
def test_the_hostile_corpus_scores_the_same_with_cells_left_out(case, engine, tmp_path):
    from hostile.corpus import ASSIGNMENT, SUITE_LIMITS, Context

    course_ = course(ASSIGNMENT)
    (tmp_path / "submissions").mkdir()
    context = Context(assignment=course_, student_notebook=notebook_path(ASSIGNMENT, ROOT), course_root=ROOT,
                      out_dir=tmp_path / "grades", submission_dir=tmp_path / "submissions", label="student",
                      marker=f"relevance-{case.name}", host_marker_file=tmp_path / "marker")
    path = tmp_path / "submissions" / "student.ipynb"
    nbformat.write(case.build(context), path)
    left, full = scores_both_ways(engine, course_, path, dataclasses.replace(SUITE_LIMITS, **case.limits))
    assert left == full
