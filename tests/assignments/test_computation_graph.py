"""computation_graph: the reference reproduces the lecture's graph J = 2(a + bc)
and part 1's worked gradient, the form check pays only with the right values,
and the student notebook runs untouched and filled in, drawing the graph, the
error slopes and the timing."""

import math
import re
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder.checks.combine import AllOf
from autograder.checks.kinds import Matches, Vectorized
from autograder.course import load_assignment
from autograder.engine.inprocess import InProcessCaller
from autograder.notebook.build import filled_notebook
from autograder.scoring.grade import grade_cases
from autograder.spec import function_source

NAME = "computation_graph"
COURSE = Path(__file__).resolve().parents[2]  # tests/ has its own assignments/ folder, so do not search upwards
ASSIGNMENT_DIR = COURSE / "assignments" / NAME
NOTEBOOK = ASSIGNMENT_DIR / f"{NAME}.ipynb"

FLOWERS_X = np.array([[1.4, 0.2], [1.5, 0.2], [3.0, 1.1], [4.1, 1.3]])
FLOWERS_Y = np.array([0.0, 0.0, 1.0, 1.0])
FLOWERS_W, FLOWERS_B = np.array([0.5, -0.1]), 0.1


@pytest.fixture(scope="module")
def assignment():
    return load_assignment(NAME, COURSE)


@pytest.fixture(scope="module")
def reference(assignment):
    return sys.modules[f"_course_reference_{NAME}"]


def grade(assignment, namespace, sources):
    return grade_cases(assignment, InProcessCaller(namespace, call_timeout=2, stop_stuck=True), source_of=sources.get)


def reference_sources(assignment):
    return {name: function_source(fn) for name, fn in assignment.reference.items()}


# --- the lecture's numbers -------------------------------------------------------------------


def test_forward_pass_of_the_lecture_graph(reference):
    assert reference.forward(5.0, 3.0, 2.0) == (6.0, 11.0, 22.0)


@pytest.mark.parametrize("a, b, c", [(5.0, 3.0, 2.0), (-1.5, 0.25, 4.0), (2.0, -7.0, -0.5)])
def test_backward_pass_is_the_lecture_chain_rule(reference, a, b, c):
    # dJ/da = dJ/dv dv/da = 2, dJ/db = dJ/dv dv/du du/db = 2c, dJ/dc = dJ/du du/dc = 2b
    assert reference.backward(a, b, c) == (2.0, 2 * c, 2 * b)


def test_differences_on_hand_worked_examples(reference):
    assert reference.forward_difference(lambda x: x ** 2, 3.0, 0.1) == pytest.approx(6.1)
    assert reference.central_difference(lambda x: x ** 2, 3.0, 0.1) == pytest.approx(6.0)
    hs = np.array([0.1, 0.01, 0.001])
    forward_errors, central_errors = reference.difference_errors(lambda x: x ** 3, lambda x: 3 * x ** 2, 1.0, hs)
    np.testing.assert_allclose(forward_errors, 3 * hs + hs ** 2, rtol=1e-6)
    np.testing.assert_allclose(central_errors, hs ** 2, rtol=1e-6)


def test_error_slopes_are_one_and_two(reference):
    hs = np.logspace(-3, -1, 9)
    forward_errors, central_errors = reference.difference_errors(np.sin, np.cos, 1.0, hs)
    assert np.polyfit(np.log10(hs), np.log10(forward_errors), 1)[0] == pytest.approx(1.0, abs=0.05)
    assert np.polyfit(np.log10(hs), np.log10(central_errors), 1)[0] == pytest.approx(2.0, abs=0.05)


@pytest.mark.parametrize("version", ["logistic_gradients_loop", "logistic_gradients_vectorized"])
def test_gradients_reproduce_part_one_batch_gradient(reference, version):
    # part 1's theta = [b, w1, w2] gradient [0.2702, 0.2431, -0.019], exactly [0.27024858, 0.24313288, -0.01954039]
    dw, db = getattr(reference, version)(FLOWERS_X, FLOWERS_Y, FLOWERS_W, FLOWERS_B)
    np.testing.assert_allclose(dw, [0.24313288, -0.01954039], atol=1e-8)
    assert db == pytest.approx(0.27024858, abs=1e-8)


def test_gradient_descent_starts_at_part_one_batch_loss_and_stops_where_it_evaluated(reference):
    # eps = 0 is never reached: one evaluation, then one step with part 1's exact batch gradient
    w, b, losses = reference.gradient_descent(FLOWERS_X, FLOWERS_Y, FLOWERS_W, FLOWERS_B, 0.1, 0.0, 1)
    assert losses.tolist() == [pytest.approx(0.66926, abs=1e-5)]
    np.testing.assert_allclose(w, FLOWERS_W - 0.1 * np.array([0.24313288, -0.01954039]), atol=1e-9)
    assert b == pytest.approx(FLOWERS_B - 0.1 * 0.27024858, abs=1e-9)
    # eps = 1 is above the first loss: stop at once, where J was computed, without stepping
    w, b, losses = reference.gradient_descent(FLOWERS_X, FLOWERS_Y, FLOWERS_W, FLOWERS_B, 0.1, 1.0, 5)
    assert losses.tolist() == [pytest.approx(0.66926, abs=1e-5)]
    np.testing.assert_array_equal(w, FLOWERS_W)
    assert b == FLOWERS_B
    w, b, losses = reference.gradient_descent(FLOWERS_X, FLOWERS_Y, FLOWERS_W, FLOWERS_B, 0.5, 0.1, 1000)
    assert losses[-1] <= 0.1 < losses[-2] and len(losses) < 1000


def lecture_gradient_descent(X, y, w, b, lr, eps, max_iters):
    """The lecture's "While J > eps" loop with the contract's cap of max_iters evaluations, written
    independently of the reference with the back-propagation slide's loops over samples m and features n.
    Returns (w, b, losses, number of steps taken)."""
    M, N = X.shape
    w, b = [float(v) for v in w], float(b)
    losses, steps = [], 0
    while len(losses) < max_iters:
        y_hat = [1 / (1 + math.exp(-(sum(w[n] * X[m, n] for n in range(N)) + b))) for m in range(M)]
        J = -sum(y[m] * math.log(y_hat[m]) + (1 - y[m]) * math.log(1 - y_hat[m]) for m in range(M)) / M
        losses.append(J)
        if J <= eps:
            break  # the while condition J > eps fails: (w, b) stay where J was computed
        dJ_dw, dJ_db = [0.0] * N, 0.0
        for m in range(M):
            for n in range(N):
                dJ_dw[n] += (y_hat[m] - y[m]) * X[m, n]
            dJ_db += y_hat[m] - y[m]
        w = [w[n] - lr * dJ_dw[n] / M for n in range(N)]
        b = b - lr * dJ_db / M
        steps += 1
    return np.array(w), b, np.array(losses), steps


_RNG = np.random.default_rng(11)
RANDOM_PROBLEM = (_RNG.normal(size=(12, 3)), (_RNG.random(12) < 0.5).astype(float), _RNG.normal(scale=0.5, size=3),
                  0.3)


@pytest.mark.parametrize("problem, lr, eps, max_iters, ending", [
    ((FLOWERS_X, FLOWERS_Y, FLOWERS_W, FLOWERS_B), 0.5, 0.1, 1000, "eps reached"),
    ((FLOWERS_X, FLOWERS_Y, FLOWERS_W, FLOWERS_B), 0.1, 1.0, 5, "eps reached"),  # at the first evaluation
    ((FLOWERS_X, FLOWERS_Y, FLOWERS_W, FLOWERS_B), 0.5, 0.1, 118, "eps reached"),  # at the last allowed one
    ((FLOWERS_X, FLOWERS_Y, FLOWERS_W, FLOWERS_B), 0.1, 0.0, 1, "max_iters exhausted"),
    ((FLOWERS_X, FLOWERS_Y, FLOWERS_W, FLOWERS_B), 0.1, 0.0, 2, "max_iters exhausted"),
    ((FLOWERS_X, FLOWERS_Y, FLOWERS_W, FLOWERS_B), 0.5, 0.1, 30, "max_iters exhausted"),  # stops above eps
    ((FLOWERS_X, FLOWERS_Y, FLOWERS_W, FLOWERS_B), 0.5, 0.1, 117, "max_iters exhausted"),  # one short of eps
    (RANDOM_PROBLEM, 0.3, 0.0, 17, "max_iters exhausted"),
])
def test_gradient_descent_is_the_lecture_loop_for_both_endings(reference, problem, lr, eps, max_iters, ending):
    expected_w, expected_b, expected_losses, steps = lecture_gradient_descent(*problem, lr, eps, max_iters)
    w, b, losses = reference.gradient_descent(*problem, lr, eps, max_iters)
    if ending == "eps reached":
        assert expected_losses[-1] <= eps and steps == len(expected_losses) - 1 <= max_iters - 1
    else:  # every evaluation, the last one included, is followed by a step
        assert np.all(expected_losses > eps) and steps == len(expected_losses) == max_iters
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-10)
    np.testing.assert_allclose(w, expected_w, rtol=1e-10, atol=1e-13)
    assert float(b) == pytest.approx(expected_b, rel=1e-10, abs=1e-13)


# --- the tests themselves ------------------------------------------------------------------------



def test_every_question_has_hidden_cases_and_the_form_check(assignment):
    for question in assignment.questions:
        assert any(case.hidden for case in question.cases), question.name
    [form] = [case for case in assignment.question("logistic_gradients_vectorized").cases
              if isinstance(case.check, AllOf)]
    assert [type(check) for check in form.check.checks] == [Matches, Vectorized]


def test_hidden_early_stopping_cases_stop_early(assignment, reference):
    cases = [c for c in assignment.question("gradient_descent").cases if "stops once" in c.name]
    assert cases
    for case in cases:
        X, y, w, b, lr, eps, max_iters = case.inputs.make()
        losses = reference.gradient_descent(X, y, w, b, lr, eps, max_iters)[2]
        assert 1 < len(losses) < max_iters and losses[-1] <= eps < losses[-2]



def test_a_stub_earns_no_form_points(assignment, reference):
    stub = "def logistic_gradients_vectorized(X, y, w, b):\n    raise NotImplementedError\n"
    namespace = dict(vars(reference))
    exec(stub, namespace)
    sources = {**reference_sources(assignment), "logistic_gradients_vectorized": stub}
    earned = [r for r in grade(assignment, namespace, sources)
              if r.question == "logistic_gradients_vectorized" and r.passed]
    assert not earned


def test_a_vectorized_function_with_a_loop_loses_only_the_form_points(assignment, reference):
    [mistake] = [m for m in assignment.mistakes if "still loops" in m.name]
    namespace = dict(vars(reference))
    exec(mistake.source, namespace)
    sources = {**reference_sources(assignment), mistake.function: mistake.source}
    lost = [r for r in grade(assignment, namespace, sources) if not r.passed]
    assert [r.name for r in lost] == ["no Python loop: no for, while, comprehension, map or np.vectorize"]
    assert "for loop" in lost[0].message


# --- the notebook ----------------------------------------------------------------------------------


# what the source of the cell that draws each picture contains
PICTURES = {"graph": "draw_graph(values, derivatives)", "error_slopes": "difference_errors(np.sin, np.cos",
            "timing": "speedups = "}


@pytest.fixture
def picture_cell(cell_with):
    return lambda notebook, picture: cell_with(notebook, PICTURES[picture])



def test_untouched_notebook_runs_to_the_end(run_notebook, code_cells, picture_cell, text_of, png_of):
    notebook = run_notebook(nbformat.read(NOTEBOOK, as_version=4), ASSIGNMENT_DIR)
    assert not [o for c in code_cells(notebook) for o in c.outputs if o.output_type == "error"]
    assert png_of(picture_cell(notebook, "graph")) is not None  # the graph is drawn with "?" before any code
    assert png_of(picture_cell(notebook, "error_slopes")) is None
    assert "implement logistic_gradients_loop and logistic_gradients_vectorized first" in text_of(
        picture_cell(notebook, "timing"))


def test_filled_notebook_runs_and_draws_every_picture(assignment, tmp_path, run_notebook, code_cells, picture_cell,
                                                      text_of, png_of):
    notebook = run_notebook(filled_notebook(assignment, NOTEBOOK), ASSIGNMENT_DIR)
    assert not [o for c in code_cells(notebook) for o in c.outputs if o.output_type == "error"]
    for picture in PICTURES:
        png = png_of(picture_cell(notebook, picture))
        assert png is not None and png.startswith(b"\x89PNG"), picture
        (tmp_path / f"{picture}.png").write_bytes(png)

    printed = "\n".join(text_of(cell) for cell in code_cells(notebook))
    slopes = re.findall(r"fitted log-log slope, (?:forward|central) difference: ([\d.]+)", printed)
    assert [round(float(s)) for s in slopes] == [1, 2]
    speedup = float(re.findall(r"M =  3000: .* speed-up +(\d+)x", printed)[0])
    assert speedup > 5
    summary = re.search(r"(\d+) of (\d+) checks passed", text_of(code_cells(notebook)[-1]))
    assert summary and summary.group(1) == summary.group(2)
