"""The logistic_regression student notebook: generated from its script, one stub
and one self-check per contract function, runs top to bottom untouched, and
runs with the reference filled in, drawing the loss curves."""

import ast
import base64
import importlib.util
import re
from pathlib import Path

import nbclient
import nbformat
import pytest

from autograder.course import load_assignment
from autograder.notebook.build import filled_notebook

NAME = "logistic_regression"
COURSE = Path(__file__).resolve().parents[2]  # tests/ has its own assignments/ folder, so do not search upwards
ASSIGNMENT_DIR = COURSE / "assignments" / NAME
NOTEBOOK = ASSIGNMENT_DIR / f"{NAME}.ipynb"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(notebook):
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(ASSIGNMENT_DIR)}})
    client.execute()
    return notebook


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def text_of(cell):
    parts = []
    for output in cell.outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        elif "text/plain" in output.get("data", {}):
            parts.append(output.data["text/plain"])
    return ANSI.sub("", "\n".join(parts))


def png_of(cell):
    images = [o.data["image/png"] for o in cell.outputs if "image/png" in o.get("data", {})]
    return base64.b64decode(images[0]) if images else None


def loss_curve_cell(notebook):
    [cell] = [c for c in code_cells(notebook) if "Loss per epoch" in c.source]
    return cell


@pytest.fixture(scope="module")
def assignment():
    return load_assignment(NAME, COURSE)


def test_notebook_is_what_the_script_writes():
    spec = importlib.util.spec_from_file_location("make_notebook", ASSIGNMENT_DIR / "make_notebook.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    committed = nbformat.read(NOTEBOOK, as_version=4)
    generated = script.build()
    assert [(c.cell_type, c.source) for c in committed.cells] == [(c.cell_type, c.source) for c in generated.cells]
    assert committed.metadata["autograder"] == {"assignment": NAME}


def test_every_contract_function_has_a_stub_followed_by_its_check(assignment):
    cells = code_cells(nbformat.read(NOTEBOOK, as_version=4))
    for name in assignment.contract:
        [position] = [i for i, cell in enumerate(cells)
                      if any(isinstance(node, ast.FunctionDef) and node.name == name
                             for node in ast.parse(cell.source).body)]
        stub = ast.parse(cells[position].source).body[0]
        assert [a.arg for a in stub.args.args] == list(assignment.contract[name])
        assert "raise NotImplementedError" in cells[position].source
        assert cells[position + 1].source == f'check("{name}")'


def test_untouched_notebook_runs_to_the_end():
    notebook = run(nbformat.read(NOTEBOOK, as_version=4))
    assert not [o for c in code_cells(notebook) for o in c.outputs if o.output_type == "error"]
    curves = loss_curve_cell(notebook)
    assert png_of(curves) is None
    assert "implement predict, bce_loss, compute_gradient, update and train first" in text_of(curves)


def test_filled_notebook_runs_and_draws_the_loss_curves(assignment, tmp_path):
    notebook = run(filled_notebook(assignment, NOTEBOOK))
    png = png_of(loss_curve_cell(notebook))
    assert png is not None and png.startswith(b"\x89PNG")
    (tmp_path / "loss_curves.png").write_bytes(png)

    printed = "\n".join(text_of(cell) for cell in code_cells(notebook))
    assert "batch loss        : 0.66926" in printed
    assert "rows 2, 4 loss    : 0.65823" in printed
    summary = re.search(r"(\d+) of (\d+) checks passed", text_of(code_cells(notebook)[-1]))
    assert summary and summary.group(1) == summary.group(2)
