"""The logistic_regression student notebook: generated from its script, one stub
and one self-check per contract function, runs top to bottom untouched, and
runs with the reference filled in, drawing the loss curves."""

import ast
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


def test_notebook_is_what_the_script_writes(notebook_script):
    script = notebook_script(ASSIGNMENT_DIR)
    committed = nbformat.read(NOTEBOOK, as_version=4)
    generated = script.build()
    assert [(c.cell_type, c.source) for c in committed.cells] == [(c.cell_type, c.source) for c in generated.cells]
    assert committed.metadata["autograder"] == {"assignment": NAME}


def test_every_contract_function_has_a_stub_followed_by_its_check(assignment, code_cells, definition_index):
    cells = code_cells(nbformat.read(NOTEBOOK, as_version=4))
    for name in assignment.contract:
        position = definition_index(cells, name)
        stub = ast.parse(cells[position].source).body[0]
        assert [a.arg for a in stub.args.args] == list(assignment.contract[name])
        assert "raise NotImplementedError" in cells[position].source
        assert cells[position + 1].source == f'check("{name}")'


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
