"""What every assignment of the course must satisfy: its student notebook and
contract are what its master notebook makes, the reference module is the
master's functions, every contract function has a stub followed by its
check, and validation (reference full marks, stubs nothing, every mistake
costs only where allowed, constant answers nothing, every case caught) holds
with the functions called in process. The sandbox path of validation has its
own test (tests/scoring/test_validate.py)."""

import ast
import importlib
import inspect
from pathlib import Path

import nbformat
import pytest

from autograder.course import assignment_names, load_assignment, notebook_path
from autograder.notebook.assign import CONTRACT_FILE, contract_text, student_notebook
from autograder.notebook.master import master_path, read_master
from autograder.scoring.validate import validate_in_process

COURSE = Path(__file__).resolve().parents[2]  # tests/ has its own assignments/ folder, so do not search upwards
NAMES = assignment_names(COURSE)


@pytest.fixture(scope="module", params=NAMES)
def assignment(request):
    return load_assignment(request.param, COURSE)


def test_the_course_has_the_five_assignments():
    assert {"logistic_regression", "computation_graph", "jacobians", "mlp_backprop", "matrix_calculus"} <= set(NAMES)


def test_student_files_are_what_the_master_makes(assignment, tmp_path):
    master = read_master(master_path(assignment.name, COURSE))
    written = tmp_path / "student.ipynb"
    nbformat.write(student_notebook(master, assignment.name), written)
    committed = notebook_path(assignment.name, COURSE)
    assert written.read_bytes() == committed.read_bytes(), f"run `autograder assign {assignment.name}`"
    assert (committed.parent / CONTRACT_FILE).read_text(encoding="utf-8") == contract_text(master)


def test_reference_module_defines_the_masters_functions(assignment):
    module = importlib.import_module(f"solutions.{assignment.name}.reference")
    assert module.CONTRACT == assignment.contract
    for name, args in assignment.contract.items():
        function = getattr(module, name)
        assert tuple(inspect.signature(function).parameters) == args
        source = inspect.getsource(function)
        assert source.startswith(f"def {name}(") and "SOLUTION" not in source


def test_every_contract_function_has_a_stub_followed_by_its_check(assignment):
    notebook = nbformat.read(notebook_path(assignment.name, COURSE), as_version=4)
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert f'check = Checker("{assignment.name}")' in "\n".join(cell.source for cell in cells[:2])
    for name, args in assignment.contract.items():
        [position] = [i for i, cell in enumerate(cells) if any(
            isinstance(node, ast.FunctionDef) and node.name == name for node in ast.parse(cell.source).body)]
        stub = ast.parse(cells[position].source).body[0]
        assert tuple(a.arg for a in stub.args.args) == args
        assert ast.get_docstring(stub), name
        assert isinstance(stub.body[-1], ast.Raise) and "NotImplementedError" in ast.unparse(stub.body[-1])
        assert cells[position + 1].source == f'check("{name}")'
    assert notebook.metadata["autograder"] == {"assignment": assignment.name}


def test_validates_in_process(assignment):
    assert len(assignment.mistakes) >= 8
    failed = [f"{v.what}: {v.detail}" for v in validate_in_process(assignment) if not v.ok]
    assert not failed, "\n".join(failed)
