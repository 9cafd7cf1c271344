"""The matrix_calculus assignment: shape errors explain the layout, mappings
travel as code, and both notebooks run from top to bottom."""

import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder.course import load_assignment
from autograder.engine.inprocess import InProcessCaller
from autograder.engine.protocol import Code
from autograder.notebook.build import filled_notebook, reference_sources
from autograder.scoring.grade import grade_cases

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "assignments" / "matrix_calculus"
NOTEBOOK = FOLDER / "matrix_calculus.ipynb"


@pytest.fixture(scope="module")
def assignment():
    return load_assignment("matrix_calculus", ROOT)


@pytest.fixture(scope="module")
def ref(assignment):
    return assignment.reference


def notebook_namespace(sources):
    """Functions defined side by side as in a notebook, so that they call each other by name."""
    namespace = {"np": np}
    for source in sources:
        exec(source, namespace)
    return namespace


def reference_namespace(assignment):
    return notebook_namespace(reference_sources(assignment).values())


def failures(results):
    return [f"{r.question} / {r.name}: {r.message}" for r in results if not r.passed]



@pytest.mark.parametrize("mistake, shapes", [
    ("matrix derivative flattened to (q, q*p)", ("(2, 6)", "(2, 2, 3)")),
    ("matrix derivative laid out D[i, j, k] (shape (q, p, q)) instead of D[k, i, j]", ("(2, 3, 2)", "(2, 2, 3)")),
])
def test_wrong_layout_of_the_3d_derivative_names_both_shapes_and_the_layout(assignment, mistake, shapes):
    source = next(m.source for m in assignment.mistakes if m.name == mistake)
    namespace = reference_namespace(assignment)
    exec(source, namespace)
    results = grade_cases(assignment, InProcessCaller(namespace), only="matvec_weight_derivative")
    actual, expected = shapes
    messages = [r.message for r in results if not r.passed]
    assert messages and all(r.points == 0 for r in results)
    first = messages[0]  # the public case on the lecture-sized example W (2, 3)
    assert f"has shape {actual}" in first and f"expected shape {expected}" in first
    assert f"Layout: {assignment.layout}" in first
    # The central-difference checks report the layout too.
    assert any("the derivative of W @ x" in m and f"Layout: {assignment.layout}" in m for m in messages)


def test_kinks_have_subgradient_zero(ref):
    y = np.array([1.5, -2.0, 0.0])
    assert np.array_equal(ref["loss_and_gradient"]("mae", y, y.copy())[1], np.zeros(3))
    labels = np.array([1.0, -1.0, 1.0])
    loss, gradient = ref["loss_and_gradient"]("hinge", labels, labels.copy())  # margin exactly 1
    assert loss == 0.0 and np.array_equal(gradient, np.zeros(3))
    assert ref["loss_and_gradient"]("zero_one", labels, np.zeros(3))[0] == 1.0


def test_kinks_are_graded(assignment):
    names = [c.name for c in assignment.question("loss_and_gradient").cases]
    assert "hinge at margin exactly 1 has gradient 0" in names
    assert sum("exactly at the kink" in n for n in names) == 3


def test_softmax_is_stable_at_1000(ref):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            p = ref["softmax"](np.array([[1000.0, 1000.0], [1000.0, -1000.0]]))
            jacobian = ref["softmax_jacobian"](np.array([1000.0, 0.0, -1000.0]))
    assert np.allclose(p, [[0.5, 0.5], [1.0, 0.0]])
    assert np.all(np.isfinite(jacobian))


def test_softmax_jacobian_and_cross_entropy_gradient_by_hand(ref):
    assert np.allclose(ref["softmax_jacobian"](np.zeros(2)), [[0.25, -0.25], [-0.25, 0.25]])
    grad = ref["softmax_cross_entropy_grad"](np.zeros((2, 3)), np.array([0, 2]))
    assert np.allclose(grad, [[-1 / 3, 1 / 6, 1 / 6], [1 / 6, 1 / 6, -1 / 3]])


def test_numerical_jacobian_of_a_scalar_function_has_one_row(ref):
    jacobian = ref["numerical_jacobian"](lambda v: v @ v, np.array([1.0, 2.0, 3.0]), 1e-6)
    assert jacobian.shape == (1, 3) and np.allclose(jacobian, [[2.0, 4.0, 6.0]])


def test_mappings_travel_as_code_and_the_notebook_needs_no_helper(assignment):
    for case in assignment.question("numerical_jacobian").cases:
        assert isinstance(case.inputs.make()[0], Code), case.name
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert not any("numerical_jacobian_of" in cell.source for cell in notebook.cells)


def test_perturbing_x_in_place_is_caught_during_the_call(assignment):
    case = next(c for c in assignment.question("numerical_jacobian").cases if "leaves x unchanged" in c.name)
    g, x, eps = case.inputs.make()
    assert np.all(np.isfinite(assignment.reference["numerical_jacobian"](g.compile(), x, eps)))
    mistake = next(m for m in assignment.mistakes if "in place" in m.name and m.targets == "numerical_jacobian")
    namespace = reference_namespace(assignment)
    exec(mistake.source, namespace)
    results = grade_cases(assignment, InProcessCaller(namespace), only="numerical_jacobian")
    assert [r.name for r in results if not r.passed] == [case.name]
    assert "changed in place" in next(r.message for r in results if not r.passed)



@pytest.fixture
def images(code_cells, pngs_of):
    """images(notebook) -> every PNG image the notebook drew, in order."""
    return lambda notebook: [png for cell in code_cells(notebook) for png in pngs_of(cell)]


def test_filled_notebook_runs_and_draws_its_plots(assignment, tmp_path, run_notebook, images):
    notebook = run_notebook(filled_notebook(assignment, NOTEBOOK), FOLDER)
    pictures = images(notebook)
    assert len(pictures) == 3  # error against the step, the five losses, the softmax Jacobian heatmap
    for index, picture in enumerate(pictures):
        (tmp_path / f"matrix_calculus_filled_{index}.png").write_bytes(picture)
    text = "".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []))
    assert "implement" not in text


def test_untouched_notebook_runs_without_stopping(tmp_path, run_notebook, images):
    notebook = run_notebook(nbformat.read(NOTEBOOK, as_version=4), FOLDER)
    text = "".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []))
    assert "implement numerical_jacobian first" in text
    assert images(notebook) == []
