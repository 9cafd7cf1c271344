"""Grading one notebook: what the walking skeleton promises."""

import nbformat
from nbformat.v4 import new_code_cell

from autograder.engine.session import Engine
from autograder.notebook.build import replace_functions
from autograder.scoring.submission import grade_notebook


def scores(result):
    return {q: e for q, (e, _) in result.question_scores([c.question for c in result.cases]).items()}


def test_reference_filled_notebook_earns_full_marks(logistic, filled_logistic, write_notebook, grade):
    result = grade(logistic, write_notebook(filled_logistic()))
    assert result.total == result.possible == logistic.points


def test_own_layout_scores_the_same_as_the_given_notebook(logistic, filled_logistic, write_notebook, grade,
                                                          reference_cells):
    given = grade(logistic, write_notebook(filled_logistic(), "given"))
    cells = reference_cells(logistic)
    own = [cells[0], "\n\n".join(reversed(cells[1:5])), "print('scratch')", *cells[5:][::-1]]
    mine = grade(logistic, write_notebook(own, "own"))
    assert [(c.name, c.points) for c in mine.cases] == [(c.name, c.points) for c in given.cases]


def test_hard_coded_gradient_passes_the_lecture_check_and_loses_hidden_points(logistic, filled_logistic,
                                                                              write_notebook, grade):
    constant = "def compute_gradient(X, y_hat, y):\n    return np.array([0.27024858, 0.24313288, -0.01954039])\n"
    notebook = replace_functions(filled_logistic(), {"compute_gradient": constant})
    result = grade(logistic, write_notebook(notebook))
    cases = [c for c in result.cases if c.question == "compute_gradient"]
    lecture = next(c for c in cases if c.name.startswith("lecture batch gradient"))
    assert lecture.passed and not lecture.hidden
    assert any(c.hidden and not c.passed for c in cases)
    public_only = grade(logistic, write_notebook(notebook, "public"), include_hidden=False)
    assert all(c.passed for c in public_only.cases if c.question == "compute_gradient")


MONKEYPATCHES = [
    "np.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True",
    "import numpy.testing\nnumpy.testing.assert_allclose = lambda *a, **k: None",
    "import builtins\nbuiltins.abs = lambda x: 0\nbuiltins.isinstance = lambda *a: True",
    "np.ndarray.__eq__ = lambda self, other: True",
    "import autograder.checks.compare as c\nc.compare = lambda *a, **k: None",
]


def test_monkeypatching_inside_the_submission_changes_no_score(logistic, filled_logistic, write_notebook, grade):
    honest = replace_functions(filled_logistic(), {"compute_gradient":
                                                   "def compute_gradient(X, y_hat, y):\n    return X.T @ (y_hat - y)\n"})
    baseline = grade(logistic, write_notebook(honest, "baseline"))
    for number, patch in enumerate(MONKEYPATCHES):
        notebook = nbformat.from_dict(honest)
        notebook.cells.append(new_code_cell(patch))
        patched = grade(logistic, write_notebook(notebook, f"patched{number}"))
        if "autograder" in patch:  # reaching into the grader also forfeits the self-reported checks
            assert patched.total < baseline.total < baseline.possible, patch
        else:
            assert patched.total == baseline.total < baseline.possible, patch


def test_infinite_loop_in_a_top_level_cell_costs_only_what_it_defines(logistic, filled_logistic,
                                                                        write_notebook, grade):
    notebook = filled_logistic()
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.source.startswith("def tanh_gradient"):
            cell.source = "while True:\n    pass\n" + cell.source
    result = grade(logistic, write_notebook(notebook))
    lost = {c.question for c in result.cases if not c.passed}
    assert lost == {"tanh_gradient"}
    assert any("cell time limit" in note for note in result.notes)


def test_infinite_loop_inside_a_function_costs_only_its_tests(logistic, filled_logistic, write_notebook, grade):
    hanging = "def bce_second_derivative(X, theta):\n    while True:\n        pass\n"
    result = grade(logistic, write_notebook(replace_functions(filled_logistic(),
                                                              {"bce_second_derivative": hanging})))
    lost = {c.question for c in result.cases if not c.passed}
    assert lost == {"bce_second_derivative"}
    assert all("call time limit" in c.message for c in result.cases if not c.passed)


def test_syntax_error_in_one_cell_costs_only_that_cell(logistic, filled_logistic, write_notebook, grade):
    broken = "def update(theta, grad, lr):\n    return theta - lr * grad)\n"
    result = grade(logistic, write_notebook(replace_functions(filled_logistic(), {"update": broken})))
    lost = {c.question for c in result.cases if not c.passed}
    assert lost <= {"update", "train"} and "update" in lost  # train calls update
    assert any("SyntaxError" in note for note in result.notes)


def test_untouched_notebook_scores_zero_with_reasons(logistic, root, grade):
    result = grade(logistic, root / "assignments" / "logistic_regression" / "logistic_regression.ipynb")
    assert result.total == 0 and result.error is None
    assert all(c.message for c in result.cases)


def test_unreadable_file_still_gets_every_case_with_the_reason(logistic, tmp_path, grade):
    path = tmp_path / "broken.ipynb"
    path.write_text("{not json")
    result = grade(logistic, path)
    assert result.total == 0 and result.possible == logistic.points
    assert "not valid notebook JSON" in result.error


def test_process_isolation_grades_the_same_and_says_it_is_weaker(logistic, filled_logistic, write_notebook):
    with Engine(isolation="process") as weaker:
        result = grade_notebook(logistic, write_notebook(filled_logistic()), weaker)
    assert result.total == result.possible
    assert any(note.startswith("WARNING") and "process isolation" in note for note in result.notes)
