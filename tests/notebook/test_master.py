"""Master notebooks: solution regions give the contract, the stubs and the
reference; malformed regions are refused with the cell and line."""

import inspect

import nbformat
import pytest

from autograder.notebook.assign import read_contract, student_notebook
from autograder.notebook.authoring import assignment_notebook, code, md
from autograder.notebook.master import MasterError, contract, define_reference, solutions

FUNCTION = '''
def scale(x, a):
    """a times x."""
    # BEGIN SOLUTION
    y = a * x  # a comment stays
    return y
    # END SOLUTION
'''


def master(*sources, stub=None):
    notebook = assignment_notebook("toy", [md("# Toy"), code("import numpy as np\nimport json"),
                                           *[code(s) for s in sources]])
    if stub:
        notebook.metadata["autograder"]["stub"] = stub
    return notebook


def test_contract_and_solution_come_from_the_code():
    helper = "def helper(v):\n    return v  # no region: not part of the contract"
    notebook = master(FUNCTION, helper, "def mean(v, axis):\n    # BEGIN SOLUTION\n    return np.mean(v, axis)\n    # END SOLUTION")
    assert contract(notebook) == {"scale": ("x", "a"), "mean": ("v", "axis")}
    [scale, _] = solutions(notebook)
    assert scale.source == 'def scale(x, a):\n    """a times x."""\n    y = a * x  # a comment stays\n    return y\n'


def test_the_student_notebook_has_the_stub_and_everything_else(tmp_path):
    student = student_notebook(master(FUNCTION), "toy")
    assert student.cells[2].source == 'def scale(x, a):\n    """a times x."""\n    raise NotImplementedError("write scale")'
    assert [c.source for c in student.cells[:2]] == ["# Toy", "import numpy as np\nimport json"]
    assert [c.id for c in student.cells] == ["cell-00", "cell-01", "cell-02"]
    custom = student_notebook(master(FUNCTION, stub="return None  # {function}: yours"), "toy")
    assert custom.cells[2].source.endswith("    return None  # scale: yours")


def test_the_reference_is_defined_with_its_imports_and_its_source(tmp_path):
    path = tmp_path / "toy-master.ipynb"
    nbformat.write(master(FUNCTION, "def twice(v):\n    # BEGIN SOLUTION\n    return scale(np.asarray(v), 2)\n    # END SOLUTION"), path)
    namespace = {}
    assert define_reference(path, namespace) == {"scale": ("x", "a"), "twice": ("v",)}
    assert namespace["twice"]([1.0, 2.0]).tolist() == [2.0, 4.0]
    assert "json" not in namespace  # only the imports the solutions use
    assert "return scale(np.asarray(v), 2)" in inspect.getsource(namespace["twice"])


@pytest.mark.parametrize("source, problem", [
    ("def f(x):\n    # BEGIN SOLUTION\n    return x", "cell 3, line 2: # BEGIN SOLUTION without # END SOLUTION"),
    ("def f(x):\n    return x\n    # END SOLUTION", "cell 3, line 3: # END SOLUTION without # BEGIN SOLUTION"),
    ("# BEGIN SOLUTION\nx = 1\n# END SOLUTION", "cell 3, line 1: a solution region must lie inside the body"),
    ("def f(x):\n    # BEGIN SOLUTION\n    return x +\n    # END SOLUTION", "cell 3: the solution does not compile"),
])
def test_malformed_regions_are_refused(source, problem):
    with pytest.raises(MasterError, match=problem.replace("(", r"\(").replace("+", r"\+")):
        contract(master(source))


def test_a_function_with_two_solutions_is_refused():
    with pytest.raises(MasterError, match="solutions defined more than once: scale"):
        contract(master(FUNCTION, FUNCTION))


def test_a_contract_file_that_is_not_one_is_refused(tmp_path):
    (tmp_path / "contract.json").write_text('{"f": "x"}')
    with pytest.raises(ValueError, match="must map function names to lists of argument names"):
        read_contract(tmp_path)
