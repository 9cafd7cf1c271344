"""The logistic_regression student notebook runs top to bottom untouched, and
runs with the reference filled in, drawing the loss curves."""

import re
from pathlib import Path

import nbformat
import pytest

from autograder.course import load_assignment
from autograder.notebook.build import filled_notebook

NAME = "logistic_regression"
COURSE = Path(__file__).resolve().parents[2]  # tests/ has its own assignments/ folder, so do not search upwards
ASSIGNMENT_DIR = COURSE / "assignments" / NAME
NOTEBOOK = ASSIGNMENT_DIR / f"{NAME}.ipynb"
LOSS_CURVES = "Loss per epoch"  # in the source of the cell that draws the loss curves


@pytest.fixture(scope="module")
def assignment():
    return load_assignment(NAME, COURSE)



def test_untouched_notebook_runs_to_the_end(run_notebook, code_cells, cell_with, text_of, png_of):
    notebook = run_notebook(nbformat.read(NOTEBOOK, as_version=4), ASSIGNMENT_DIR)
    assert not [o for c in code_cells(notebook) for o in c.outputs if o.output_type == "error"]
    curves = cell_with(notebook, LOSS_CURVES)
    assert png_of(curves) is None
    assert "implement predict, bce_loss, compute_gradient, update and train first" in text_of(curves)


def test_filled_notebook_runs_and_draws_the_loss_curves(assignment, tmp_path, run_notebook, code_cells, cell_with,
                                                         text_of, png_of):
    notebook = run_notebook(filled_notebook(assignment, NOTEBOOK), ASSIGNMENT_DIR)
    png = png_of(cell_with(notebook, LOSS_CURVES))
    assert png is not None and png.startswith(b"\x89PNG")
    (tmp_path / "loss_curves.png").write_bytes(png)

    printed = "\n".join(text_of(cell) for cell in code_cells(notebook))
    assert "batch loss        : 0.66926" in printed
    assert "rows 2, 4 loss    : 0.65823" in printed
    summary = re.search(r"(\d+) of (\d+) checks passed", text_of(code_cells(notebook)[-1]))
    assert summary and summary.group(1) == summary.group(2)
