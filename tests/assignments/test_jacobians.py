"""The jacobians assignment: the reference reproduces the lecture's two
scripts, shape errors name the numerator layout, and the notebook runs
untouched and filled."""

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder.course import load_assignment, load_module
from autograder.engine.inprocess import InProcessCaller
from autograder.notebook.build import filled_notebook
from autograder.scoring.grade import grade_cases

NAME = "jacobians"
COURSE = Path(__file__).resolve().parents[2]  # tests/ has its own assignments/ folder, so do not search upwards
ASSIGNMENT_DIR = COURSE / "assignments" / NAME
NOTEBOOK = ASSIGNMENT_DIR / f"{NAME}.ipynb"


@pytest.fixture(scope="module")
def assignment():
    return load_assignment(NAME, COURSE)


@pytest.fixture(scope="module")
def reference():
    return load_module(COURSE / "solutions" / NAME / "reference.py", "_test_jacobians_reference")


def lecture_linear_loop():
    """The lecture's linear regression script, as printed (np.random.seed(0))."""
    np.random.seed(0)
    N, n_feature = 32, 5
    lr = 0.03
    t_W = np.random.uniform(-1, 1, n_feature).reshape(-1, 1)
    t_b = np.random.uniform(-1, 1, 1)
    W = np.random.uniform(-1, 1, n_feature).reshape(-1, 1)
    b = np.random.uniform(-1, 1, 1).reshape(1, 1)
    epochs = 100
    X = np.random.randn(N, n_feature)
    Y = X @ t_W + t_b
    start = (X, Y, W, b, lr, epochs)

    J_list = list()
    for epoch in range(epochs):
        Pred = X @ W + b
        J0 = (Y - Pred) ** 2
        J = np.mean(J0)
        J_list.append(J)

        dJ_dJ0 = 1 / N * np.ones((1, N))
        dJ0_dPred = np.diag(-2 * (Y - Pred).flatten())
        dPred_dW = X
        dPred_db = np.ones((N, 1))

        dJ_dPred = dJ_dJ0 @ dJ0_dPred
        dJ_dW = dJ_dPred @ dPred_dW
        dJ_db = dJ_dPred @ dPred_db

        W = W - lr * dJ_dW.T
        b = b - lr * dJ_db
    return start, (W, b, np.array(J_list))


def lecture_logistic_loop():
    """The lecture's logistic regression script (np.random.seed(1)), with
    np.int, which current NumPy removed, replaced by int."""
    np.random.seed(1)
    N, n_feature = 500, 3
    lr = 0.01
    t_W = np.random.uniform(-1, 1, n_feature).reshape(-1, 1)
    t_b = np.random.uniform(-1, 1, 1)
    W = np.random.uniform(-1, 1, n_feature).reshape(-1, 1)
    b = np.random.uniform(-1, 1, 1).reshape(1, 1)
    epochs = 100
    X = np.random.normal(0, 1, (N, n_feature))
    Y = X @ t_W + t_b
    Y = (Y > 0).astype(int)
    start = (X, Y, W, b, lr, epochs)

    J_track = list()
    acc_track = list()
    for epoch in range(epochs):
        Z = X @ W + b
        Pred = 1 / (1 + np.exp(-Z))
        J0 = -(Y * np.log(Pred) + (1 - Y) * np.log(1 - Pred))
        J = np.mean(J0)
        J_track.append(J)

        Pred_ = (Pred > 0.5).astype(int)
        n_correct = (Pred_ == Y).astype(int)
        acc = np.sum(n_correct) / N
        acc_track.append(acc)

        dJ_dJ0 = 1 / N * np.ones((1, N))
        dJ0_dPred = np.diag(((Pred - Y) / (Pred * (1 - Pred))).flatten())
        dPred_dZ = np.diag((Pred * (1 - Pred)).flatten())
        dZ_dW = X
        dZ_db = np.ones((N, 1))

        dJ_dPred = dJ_dJ0 @ dJ0_dPred
        dJ_dZ = dJ_dPred @ dPred_dZ
        dJ_dW = dJ_dZ @ dZ_dW
        dJ_db = dJ_dZ @ dZ_db

        W = W - lr * dJ_dW.T
        b = b - lr * dJ_db
    return start, (W, b, np.array(J_track), np.array(acc_track))


def assert_same_results(got, expected):
    assert len(got) == len(expected)
    for mine, theirs in zip(got, expected):
        assert np.shape(mine) == np.shape(theirs)
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-10)


def test_linreg_train_is_the_lecture_loop(reference):
    start, lecture = lecture_linear_loop()
    assert_same_results(reference.linreg_train(*start), lecture)


def test_logreg_train_is_the_lecture_loop_with_integer_labels(reference):
    start, lecture = lecture_logistic_loop()
    assert start[1].dtype.kind == "i"
    assert_same_results(reference.logreg_train(*start), lecture)


def test_public_figures_are_the_lecture_loops_results(assignment):
    public = load_module(ASSIGNMENT_DIR / "public_tests.py", "_test_jacobians_public")
    _, (W, b, J_list) = lecture_linear_loop()
    np.testing.assert_allclose(public.LINEAR_FINAL_W, W, rtol=0, atol=1e-12)
    np.testing.assert_allclose(public.LINEAR_FINAL_B, b, rtol=0, atol=1e-12)
    np.testing.assert_allclose(list(public.LINEAR_J_AT.values()), J_list[list(public.LINEAR_J_AT)], atol=1e-12)
    _, (W, b, J_track, acc_track) = lecture_logistic_loop()
    np.testing.assert_allclose(public.LOGISTIC_FINAL_W, W, rtol=0, atol=1e-12)
    np.testing.assert_allclose(public.LOGISTIC_FINAL_B, b, rtol=0, atol=1e-12)
    np.testing.assert_allclose(list(public.LOGISTIC_J_AT.values()), J_track[list(public.LOGISTIC_J_AT)], atol=1e-12)
    np.testing.assert_allclose(list(public.LOGISTIC_ACC_AT.values()), acc_track[list(public.LOGISTIC_ACC_AT)])


def test_reference_jacobians_have_the_numerator_layout_shapes(reference):
    (X, Y, W, b, _, _), _ = lecture_linear_loop()
    shapes = {key: value.shape for key, value in reference.linreg_jacobians(X, Y, W, b).items()}
    assert shapes == {"dJ_dJ0": (1, 32), "dJ0_dPred": (32, 32), "dPred_dW": (32, 5), "dPred_db": (32, 1)}
    gradients = reference.linreg_backprop(reference.linreg_jacobians(X, Y, W, b))
    assert {key: value.shape for key, value in gradients.items()} == {"dJ_dPred": (1, 32), "dJ_dW": (1, 5),
                                                                      "dJ_db": (1, 1)}
    (X, Y, W, b, _, _), _ = lecture_logistic_loop()
    jacobians = reference.logreg_jacobians(X, Y, W, b)
    assert {key: value.shape for key, value in jacobians.items()} == {
        "dJ_dJ0": (1, 500), "dJ0_dPred": (500, 500), "dPred_dZ": (500, 500), "dZ_dW": (500, 3), "dZ_db": (500, 1)}
    assert {key: value.shape for key, value in reference.logreg_backprop(jacobians).items()} == {
        "dJ_dPred": (1, 500), "dJ_dZ": (1, 500), "dJ_dW": (1, 3), "dJ_db": (1, 1)}



def test_layout_states_the_numerator_convention_and_the_shapes(assignment):
    layout = assignment.layout
    assert "numerator layout" in layout
    for shape in ["dJ/dJ0 is (1, N)", "(N, N) diagonal", "dPred/dW and dZ/dW are (N, l)", "dJ/dW is (1, l)",
                  "dJ/db is (1, 1)"]:
        assert shape in layout


def transposed_dpred_dw(reference):
    namespace = dict(vars(reference))

    def linreg_jacobians(X, Y, W, b):
        jacobians = reference.linreg_jacobians(X, Y, W, b)
        return {**jacobians, "dPred_dW": jacobians["dPred_dW"].T.copy()}

    namespace["linreg_jacobians"] = linreg_jacobians
    return InProcessCaller(namespace)


def test_a_transposed_jacobian_fails_naming_both_shapes_and_the_layout(assignment, reference):
    results = grade_cases(assignment, transposed_dpred_dw(reference), only="linreg_jacobians")
    public_shapes = next(r for r in results if r.name.startswith("numerator-layout shapes"))
    assert not public_shapes.passed
    assert "['dPred_dW'] has shape (5, 32), expected shape (32, 5)" in public_shapes.message
    assert "It looks transposed" in public_shapes.message
    assert "Layout: numerator layout" in public_shapes.message
    assert "dPred/dW and dZ/dW are (N, l)" in public_shapes.message

    derivative = next(r for r in results if r.name.startswith("dPred_dW and dPred_db agree") and not r.hidden)
    assert not derivative.passed
    assert "has shape (5, 32), expected shape (32, 5)" in derivative.message
    assert "numerator layout" in derivative.message

    hidden = [r for r in results if r.hidden and r.name.startswith("linreg_jacobians, N=")]
    assert hidden and all(not r.passed for r in hidden)
    assert all("expected shape" in r.message and "numerator layout" in r.message for r in hidden)



@pytest.fixture
def plot_cells(code_cells):
    """plot_cells(notebook) -> the cells that rerun the lecture's two scripts and draw their figures."""
    return lambda notebook: [cell for cell in code_cells(notebook) if "plt.subplots" in cell.source]


def test_untouched_notebook_runs_to_the_end(run_notebook, code_cells, plot_cells, text_of, png_of):
    notebook = run_notebook(nbformat.read(NOTEBOOK, as_version=4), ASSIGNMENT_DIR)
    assert not [o for c in code_cells(notebook) for o in c.outputs if o.output_type == "error"]
    linear, logistic = plot_cells(notebook)
    assert png_of(linear) is None and png_of(logistic) is None
    assert "implement linreg_jacobians, linreg_backprop and linreg_train first" in text_of(linear)
    assert "implement logreg_jacobians, logreg_backprop and logreg_train first" in text_of(logistic)


def test_filled_notebook_runs_and_draws_the_lecture_figures(assignment, tmp_path, run_notebook, code_cells,
                                                            plot_cells, text_of, png_of):
    notebook = run_notebook(filled_notebook(assignment, NOTEBOOK), ASSIGNMENT_DIR)
    assert not [o for c in code_cells(notebook) for o in c.outputs if o.output_type == "error"]
    linear, logistic = plot_cells(notebook)
    for cell, stem in [(linear, "linear_regression"), (logistic, "logistic_regression")]:
        png = png_of(cell)
        assert png is not None and png.startswith(b"\x89PNG")
        (tmp_path / f"{stem}.png").write_bytes(png)

    assert "linreg_train matches the loop: True" in text_of(linear)
    assert "loss 0.6863 -> 0.5650,  accuracy 0.636 -> 0.696" in text_of(logistic)
    summary = re.search(r"(\d+) of (\d+) checks passed", text_of(code_cells(notebook)[-1]))
    assert summary and summary.group(1) == summary.group(2)
