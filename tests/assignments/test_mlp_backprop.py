"""The mlp_backprop assignment: the reference reproduces the lecture's
figures, a correct solution written differently earns full marks, gradient
checks name the parameter, and the notebook runs untouched and filled,
drawing the lecture's gradient descent paths."""

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder.course import load_assignment, load_module
from autograder.engine.inprocess import InProcessCaller
from autograder.notebook.build import filled_notebook
from autograder.scoring.grade import grade_cases

NAME = "mlp_backprop"
COURSE = Path(__file__).resolve().parents[2]  # tests/ has its own assignments/ folder, so do not search upwards
ASSIGNMENT_DIR = COURSE / "assignments" / NAME
NOTEBOOK = ASSIGNMENT_DIR / f"{NAME}.ipynb"

# A correct solution that shares no code with the reference: another cache layout
# (a list of tuples with None in it), np.float64 and np.bool_ results, einsum,
# sigmoid through tanh, the general chain rule even where the (A - Y)/N shortcut holds.
DIFFERENT_BUT_CORRECT = '''
import numpy as np

def linear_forward(X, W, b):
    return np.einsum("ni,oi->no", X, W) + b[None, :]

def activation(name, Z):
    if name == "identity":
        return np.array(Z, dtype=float)
    if name == "sigmoid":
        return 0.5 * (1 + np.tanh(0.5 * Z))
    if name == "tanh":
        return np.tanh(Z)
    return np.where(Z > 0, Z, 0.0)

def activation_derivative(name, Z):
    if name == "identity":
        return np.ones(Z.shape)
    if name == "sigmoid":
        return 0.25 / np.cosh(0.5 * Z) ** 2
    if name == "tanh":
        return 1 / np.cosh(Z) ** 2
    return np.heaviside(Z, 0.0)

def init_params(sizes, seed):
    rng = np.random.RandomState(seed)
    return {k: v for i in range(1, len(sizes))
            for k, v in ((f"W{i}", rng.randn(sizes[i], sizes[i - 1]) * 0.1), (f"b{i}", rng.randn(sizes[i]) * 0.1))}

def mlp_forward(X, params, activations):
    cache, A = [(X, None)], X
    for i, g in enumerate(activations, start=1):
        Z = linear_forward(A, params["W%d" % i], params["b%d" % i])
        A = activation(g, Z)
        cache.append((A, Z))
    return A, cache

def mlp_loss(Y, A_out, loss):
    if loss == "mse":
        return np.mean(0.5 * np.sum((Y - A_out) ** 2, axis=1))
    return np.mean(np.sum(-(Y * np.log(A_out) + (1 - Y) * np.log(1 - A_out)), axis=1))

def mlp_backward(Y, params, cache, activations, loss):
    A, N = cache[-1][0], len(Y)
    dA = (A - Y) / N if loss == "mse" else (A - Y) / (A * (1 - A)) / N
    grads = {}
    for l in range(len(activations), 0, -1):
        dZ = dA * activation_derivative(activations[l - 1], cache[l][1])
        grads["dW%d" % l] = np.einsum("no,ni->oi", dZ, cache[l - 1][0])
        grads["db%d" % l] = np.ones(N) @ dZ
        dA = dZ @ params["W%d" % l]
    return grads

def gradient_descent_2d(x0, lr, steps):
    xs = [np.asarray(x0, float)]
    for _ in range(steps):
        xs.append(xs[-1] - lr * np.array([[2, 1], [1, 8]]) @ xs[-1])
    return np.vstack(xs)

def has_converged(f_prev, f_curr, grad, eps1, eps2):
    return np.abs(f_curr - f_prev) < eps1 or np.sqrt(np.sum(np.square(grad))) < eps2
'''


@pytest.fixture(scope="module")
def assignment():
    return load_assignment(NAME, COURSE)


@pytest.fixture(scope="module")
def reference():
    return load_module(COURSE / "solutions" / NAME / "reference.py", "_test_mlp_backprop_reference")


def grade(assignment, namespace, only=None):
    return grade_cases(assignment, InProcessCaller(namespace, call_timeout=2, stop_stuck=True), only=only)


def failures(results):
    return [f"{r.question}: {r.name}: {r.message}" for r in results if not r.passed]


# --- the lecture's figures -----------------------------------------------------------------


def test_reference_reproduces_the_lecture_demo(reference):
    X = np.array([[-8.0, 1, -3, 5, 2], [-2.0, 2, -1, 5, 2], [7.0, 1, 9, -5, -2]])
    W = np.array([[0.7576, 0.2793, 0.4031, 0.7347, 0.0293]])
    Z = reference.linear_forward(X, W, np.array([0.7999]))
    assert Z.shape == (3, 1)
    np.testing.assert_allclose(Z.ravel(), [-2.4591, 3.1721, 6.2782], atol=1e-3)  # the slide's printed figures
    np.testing.assert_allclose(reference.activation("sigmoid", Z).ravel(), [0.0788, 0.9598, 0.9981], atol=1e-3)
    one_layer, _ = reference.mlp_forward(X, {"W1": W, "b1": np.array([0.7999])}, ["sigmoid"])
    np.testing.assert_allclose(one_layer.ravel(), [0.0788, 0.9598, 0.9981], atol=1e-3)


def test_reference_follows_the_lectures_gradient_descent(reference):
    # grad f(3, 3) = [9, 27]: the first steps by hand, and the zig-zag of lr 0.2
    np.testing.assert_allclose(reference.gradient_descent_2d(np.array([3.0, 3.0]), 0.1, 2),
                               [[3, 3], [2.1, 0.3], [1.65, -0.15]], atol=1e-12)
    np.testing.assert_allclose(reference.gradient_descent_2d(np.array([3.0, 3.0]), 0.2, 2),
                               [[3, 3], [1.2, -2.4], [1.2, 1.2]], atol=1e-12)
    assert reference.gradient_descent_2d(np.array([3.0, 3.0]), 0.1, 20).shape == (21, 2)
    for lr in (0.1, 0.2):
        assert np.linalg.norm(reference.gradient_descent_2d(np.array([3.0, 3.0]), lr, 100)[-1]) < 1e-6


def test_reference_conventions(reference):
    np.testing.assert_array_equal(reference.activation_derivative("relu", np.array([-1.0, 0.0, 2.0])), [0, 0, 1])
    Z = np.arange(3.0)
    assert not np.shares_memory(reference.activation("identity", Z), Z)
    assert reference.has_converged(1.0, 1.0, np.array([5.0, 5.0]), 1e-6, 1e-6) is True
    assert reference.has_converged(0.0, 0.5, np.array([3.0, 4.0]), 0.5, 5.0) is False  # both comparisons are strict
    assert reference.mlp_loss(np.array([[1.0, 0.0]]), np.array([[0.5, 0.5]]), "mse") == pytest.approx(0.25)
    params = reference.init_params([5, 7, 4, 3], 0)
    assert {k: v.shape for k, v in params.items()} == {"W1": (7, 5), "b1": (7,), "W2": (4, 7), "b2": (4,),
                                                       "W3": (3, 4), "b3": (3,)}


def test_reference_gradient_equals_the_general_chain_rule_where_the_shortcut_applies(reference):
    """The reference uses (A - Y)/N for identity+mse and sigmoid+bce; that is
    exactly the general formula dL/dA * g'(Z) there."""
    rng = np.random.default_rng(5)
    X, params = rng.normal(size=(6, 4)), reference.init_params([4, 5, 2], 3)
    for output, loss in (("identity", "mse"), ("sigmoid", "bce")):
        Y = (rng.random((6, 2)) < 0.5) * 1.0 if loss == "bce" else rng.normal(size=(6, 2))
        acts = ["tanh", output]
        A, cache = reference.mlp_forward(X, params, acts)
        shortcut = reference.mlp_backward(Y, params, cache, acts, loss)
        dA = (A - Y) / 6 if loss == "mse" else (-Y / A + (1 - Y) / (1 - A)) / 6
        dZ = dA * reference.activation_derivative(output, cache["Z"][-1])
        np.testing.assert_allclose(shortcut["dW2"], dZ.T @ cache["A_prev"][-1], rtol=1e-10)


# --- grading -----------------------------------------------------------------------------



def test_a_correct_solution_written_differently_scores_full_marks(assignment):
    namespace = {}
    exec(DIFFERENT_BUT_CORRECT, namespace)
    assert not failures(grade(assignment, namespace))



def test_gradient_checks_name_the_parameter_and_the_reference_loss(assignment, reference):
    namespace = dict(vars(reference))
    [mistake] = [m for m in assignment.mistakes if m.name.startswith("the (A - Y)/N shortcut")]
    exec(mistake.source, namespace)
    results = grade(assignment, namespace, only="mlp_backward")
    public = [r for r in results if not r.passed and not r.hidden and "central differences" in r.name]
    assert public, "a public gradient check must catch the shortcut behind a tanh output"
    # graded with the solutions, the loss differentiated is the reference's: only mlp_backward is judged
    assert "mlp_backward(...)['dW1'] disagrees with central differences of the reference's mlp_loss(Y, " \
           "mlp_forward(" in public[0].message
    assert "yours" in public[0].message and "numerical" in public[0].message


# --- the notebook ------------------------------------------------------------------------



def test_untouched_notebook_runs_to_the_end(run_notebook, code_cells, cell_with, text_of, pngs_of):
    notebook = run_notebook(nbformat.read(NOTEBOOK, as_version=4), ASSIGNMENT_DIR)
    assert not [o for c in code_cells(notebook) for o in c.outputs if o.output_type == "error"]
    contour = cell_with(notebook, "ax.contour")
    assert not pngs_of(contour)
    assert "implement gradient_descent_2d and has_converged first" in text_of(contour)


def test_filled_notebook_runs_with_gradient_table_and_descent_paths(assignment, tmp_path, run_notebook, code_cells,
                                                                    cell_with, text_of, pngs_of):
    notebook = run_notebook(filled_notebook(assignment, NOTEBOOK), ASSIGNMENT_DIR)
    assert not [o for c in code_cells(notebook) for o in c.outputs if o.output_type == "error"]

    table = text_of(cell_with(notebook, "def gradient_check_table"))
    rows = re.findall(r"^\s*([Wb]\d)\s+\(.*?\)\s+(\S+)\s+(ok|WRONG)$", table, flags=re.MULTILINE)
    assert len(rows) == 18 and all(verdict == "ok" and float(error) < 1e-5 for _, error, verdict in rows)

    contour = cell_with(notebook, "ax.contour")
    printed = text_of(contour)
    assert "lr = 0.1: x1 = [2.1 0.3]" in printed and "lr = 0.2: x1 = [ 1.2 -2.4]" in printed
    [png] = pngs_of(contour)
    assert png.startswith(b"\x89PNG")
    (tmp_path / "gradient_descent_paths.png").write_bytes(png)

    training = text_of(cell_with(notebook, "X_train = "))
    assert re.search(r"training accuracy 9\d\.\d%", training)
    summary = re.search(r"(\d+) of (\d+) checks passed", text_of(code_cells(notebook)[-1]))
    assert summary and summary.group(1) == summary.group(2)
