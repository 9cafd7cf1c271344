"""Each question is scored on its own function (CURRICULUM): a known mistake
costs the question whose function has it (and the questions whose functions
call it), never an innocent question whose test composes it with the
mistaken function. Every test grades a real notebook, made from the student
notebook filled with the reference and one mistake of the assignment's
library, and checks the exact score of each question named."""

from __future__ import annotations

import functools
import time
from pathlib import Path

import nbformat
import pytest

from autograder.course import load_assignment, notebook_path
from autograder.engine.session import Engine
from autograder.notebook.build import filled_notebook, mistaken_notebook, replace_functions
from autograder.scoring.isolation import questions_that_may_lose
from autograder.scoring.submission import grade_notebook
from autograder.mistake_library import Mistake
from autograder.spec import Assignment

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def engine():
    with Engine() as shared:
        yield shared


@functools.cache
def assignment(name: str) -> Assignment:
    return load_assignment(name, ROOT)


def mistake(course: Assignment, name: str) -> Mistake:
    found = [m for m in course.mistakes if m.name == name]
    assert len(found) == 1, f"{course.name}: no single mistake named {name!r} in its library"
    return found[0]


def grade(engine, tmp_path, course: Assignment, notebook: nbformat.NotebookNode, stem: str = "submission"):
    path = tmp_path / f"{stem}.ipynb"
    nbformat.write(notebook, path)
    return grade_notebook(course, path, engine)


def grade_mistakes(engine, tmp_path, course: Assignment, *names: str):
    """Grade the reference-filled notebook with the named mistakes of the
    library in place of the reference's functions."""
    chosen = [mistake(course, name) for name in names]
    student = notebook_path(course.name, ROOT)
    if len(chosen) == 1:
        notebook = mistaken_notebook(course, student, chosen[0])
    else:
        notebook = replace_functions(filled_notebook(course, student), {m.function: m.source for m in chosen})
    result = grade(engine, tmp_path, course, notebook)
    scores = result.question_scores([q.name for q in course.questions])
    allowed = set().union(*(questions_that_may_lose(course, m) for m in chosen))
    unfair = {q: score for q, score in scores.items() if score[0] < score[1] and q not in allowed}
    assert not unfair, f"points lost where the mistake may not cost any: {unfair}"
    return result, scores


def full(course: Assignment, question: str) -> tuple[float, float]:
    points = course.question(question).points
    return (points, points)


def nothing(course: Assignment, question: str) -> tuple[float, float]:
    return (0.0, course.question(question).points)


def loses(course: Assignment, scores: dict, question: str) -> bool:
    earned, possible = scores[question]
    return possible == course.question(question).points and earned < possible


def test_bce_loss_summed_costs_bce_loss_and_not_compute_gradient(engine, tmp_path):
    course = assignment("logistic_regression")
    result, scores = grade_mistakes(engine, tmp_path, course, "sum instead of mean in the loss")
    assert loses(course, scores, "bce_loss")
    assert scores["compute_gradient"] == full(course, "compute_gradient")
    agrees = next(c for c in result.cases if c.question == "compute_gradient"
                  and c.name == "the gradient agrees with the loss (N=17, d=4)")
    assert agrees.passed
    assert "bce_loss" in agrees.message  # free feedback: with the student's own loss it fails


def test_syntax_error_in_the_bce_loss_cell_costs_bce_loss_and_not_compute_gradient(engine, tmp_path):
    course = assignment("logistic_regression")
    result, scores = grade_mistakes(engine, tmp_path, course,
                                    "a closing parenthesis missing in bce_loss: its cell does not compile")
    assert scores["bce_loss"] == nothing(course, "bce_loss")  # the function does not exist
    assert scores["compute_gradient"] == full(course, "compute_gradient")
    assert any("SyntaxError" in note for note in result.notes)


def test_db_inside_the_feature_loop_costs_the_loop_and_not_the_vectorized_version(engine, tmp_path):
    course = assignment("computation_graph")
    _, scores = grade_mistakes(engine, tmp_path, course, "db accumulated inside the feature loop (N times per sample)")
    assert loses(course, scores, "logistic_gradients_loop")
    assert scores["logistic_gradients_vectorized"] == full(course, "logistic_gradients_vectorized")


def test_wrong_jacobians_cost_the_jacobians_and_not_the_backprop_fed_by_them(engine, tmp_path):
    course = assignment("jacobians")
    _, scores = grade_mistakes(engine, tmp_path, course,
                               "dPred_db as a row of ones (1, N) instead of a column (N, 1)",
                               "dJ0_dPred = diag(Pred - Y): the factor 1/(Pred(1 - Pred)) missing "
                               "(dJ/dZ's shortcut put in dJ0/dPred)")
    assert loses(course, scores, "linreg_jacobians") and loses(course, scores, "logreg_jacobians")
    assert scores["linreg_backprop"] == full(course, "linreg_backprop")
    assert scores["logreg_backprop"] == full(course, "logreg_backprop")


def test_mse_without_the_half_costs_mlp_loss_and_not_mlp_backward(engine, tmp_path):
    course = assignment("mlp_backprop")
    _, scores = grade_mistakes(engine, tmp_path, course, "mse without the 1/2 of the lecture")
    assert loses(course, scores, "mlp_loss")
    assert scores["mlp_backward"] == full(course, "mlp_backward")


def test_float32_sigmoid_costs_sigmoid_and_not_the_gradients(engine, tmp_path):
    course = assignment("logistic_regression")
    result, scores = grade_mistakes(engine, tmp_path, course,
                                    "sigmoid's output preallocated as float32 (np.zeros(z.shape, dtype=np.float32)): "
                                    "right to 7 digits, but not the contract's float64")
    assert scores["sigmoid"] == nothing(course, "sigmoid")  # every sigmoid case checks the dtype
    assert scores["compute_gradient"] == full(course, "compute_gradient")
    assert scores["mse_sigmoid_gradient"] == full(course, "mse_sigmoid_gradient")
    messages = [c.message for c in result.cases if c.question == "sigmoid" and not c.passed]
    assert messages and all("float64" in message for message in messages)
    assert any("float32" in message for message in messages)  # the visible cases name the dtype found


def test_hanging_sigmoid_costs_only_what_calls_it_and_is_quick(engine, tmp_path):
    course = assignment("logistic_regression")
    start = time.monotonic()
    _, scores = grade_mistakes(engine, tmp_path, course,
                               "a `while True: pass` placeholder left at the top of sigmoid: every call hangs")
    assert time.monotonic() - start < 30
    assert scores["sigmoid"] == nothing(course, "sigmoid")
    for innocent in ("update", "tanh_gradient", "bce_loss", "compute_gradient"):
        assert scores[innocent] == full(course, innocent), innocent


# --- sigmoid stability: judged by values, fair to every formula that never overflows ---------------------------

SIGMOIDS = {
    "clipped": "def sigmoid(z):\n    return 1.0 / (1.0 + np.exp(-np.clip(z, -500.0, 500.0)))\n",
    "split on the sign": ("def sigmoid(z):\n    e = np.exp(-np.abs(z))\n"
                          "    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n"),
    "silenced textbook": ("def sigmoid(z):\n    with np.errstate(over='ignore'):\n"
                          "        return 1.0 / (1.0 + np.exp(-z))\n"),
    "tanh": "def sigmoid(z):\n    return 0.5 * (1.0 + np.tanh(0.5 * z))\n",
}


@pytest.mark.parametrize("formula, stable", [("clipped", True), ("split on the sign", True),
                                             ("silenced textbook", False), ("tanh", False)])
def test_sigmoid_stability_is_judged_by_the_values_it_returns(engine, tmp_path, formula, stable):
    """A clipped sigmoid never overflows and is off only by digits far below
    any tolerance (7e-218 for 1.3e-313 at z = -720): it keeps its points. A
    silenced overflow, and tanh's exact 0 below z = -37, return exactly 0
    where the true value is not (log(sigmoid) would be -inf): they lose the
    stability cases, and only those."""
    course = assignment("logistic_regression")
    notebook = replace_functions(filled_notebook(course, notebook_path(course.name, ROOT)),
                                 {"sigmoid": SIGMOIDS[formula]})
    result = grade(engine, tmp_path, course, notebook)
    failed = [case for case in result.cases if not case.passed]
    assert all(case.question == "sigmoid" for case in failed), [(c.question, c.name) for c in failed]
    stability = {case.name for case in result.cases
                 if case.question == "sigmoid" and ("overflow" in case.name or "large magnitudes" in case.name)}
    assert stability, "no stability case found for sigmoid"
    if stable:
        assert not failed, [(c.name, c.message) for c in failed]
    else:
        assert {c.name for c in failed} == stability, [c.name for c in failed]
        assert all("exactly 0" in c.message for c in failed if not c.hidden)
