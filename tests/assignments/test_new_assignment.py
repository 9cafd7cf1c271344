"""A course team adds a sixth assignment from a master notebook, as the
README's "Adding an assignment" says, in a course folder of its own: two
functions, a public and a hidden case each, two mistakes; `assign` writes the
student notebook and validation with the real engine proves it gradable."""

from pathlib import Path

import nbformat
import pytest

from autograder.course import load_assignment
from autograder.notebook.assign import assign
from autograder.notebook.authoring import assignment_notebook, check, code, md
from autograder.notebook.master import master_path
from autograder.scoring.validate import validate_assignment

NAME = "squared_error"

MASTER_CELLS = [
    md("# Squared error\n\nWrite the loss and its gradient."),
    code(f'import numpy as np\n\nfrom autograder.selfcheck import Checker\ncheck = Checker("{NAME}")'),
    code('''
def square_loss(y_hat, y):
    """Mean of (y_hat - y)**2: y_hat, y shape (n,). Returns a float."""
    # BEGIN SOLUTION
    return float(np.mean((y_hat - y) ** 2))
    # END SOLUTION
'''),
    check("square_loss"),
    code('''
def square_loss_grad(y_hat, y):
    """Gradient of square_loss with respect to y_hat, shape (n,)."""
    # BEGIN SOLUTION
    return 2 * (y_hat - y) / len(y)
    # END SOLUTION
'''),
    check("square_loss_grad"),
    code("check()"),
]

PUBLIC_TESTS = '''
import numpy as np

from autograder.checks.kinds import DerivativeAgrees, Matches
from autograder.spec import Case, Fixed, Program

LAYOUT = "y_hat and y have shape (n,)."
PUBLIC = [
    ("square_loss", Case("[1, 2] against [0, 0]: 2.5", Fixed((np.array([1.0, 2.0]), np.array([0.0, 0.0]))),
                         Matches("square_loss", expected=2.5))),
    ("square_loss_grad", Case("agrees with central differences of your loss",
                              Fixed(y_hat=np.array([0.5, -1.0, 2.0]), y=np.array([0.0, 1.0, 1.0])),
                              DerivativeAgrees(Program("square_loss_grad(y_hat, y)"), Program("square_loss(y_hat, y)"),
                                               wrt=0))),
]
'''

HIDDEN_TESTS = '''
from autograder.checks.kinds import Matches
from autograder.spec import Case, Seeded

HIDDEN = [(name, Case(f"{name}, n=7", Seeded(lambda rng: (rng.normal(size=7), rng.normal(size=7))), Matches(name),
                      hidden=True)) for name in ("square_loss", "square_loss_grad")]
'''

MISTAKES = '''
from autograder.mistake_library import MistakeLibrary

MISTAKES = MistakeLibrary()
MISTAKES.edit("sum instead of mean", "square_loss", "np.mean", "np.sum")
MISTAKES.edit("the 2 of the square forgotten", "square_loss_grad", "2 * (y_hat - y)", "(y_hat - y)")
'''

REFERENCE = f'''
from pathlib import Path

from autograder.notebook.master import define_reference

CONTRACT = define_reference(Path(__file__).with_name("{NAME}-master.ipynb"), globals())
'''


@pytest.fixture
def course(tmp_path):
    solutions, assignments = tmp_path / "solutions" / NAME, tmp_path / "assignments" / NAME
    solutions.mkdir(parents=True)
    assignments.mkdir(parents=True)
    nbformat.write(assignment_notebook(NAME, MASTER_CELLS), master_path(NAME, tmp_path))
    for folder, file, text in [(solutions, "reference.py", REFERENCE), (solutions, "hidden_tests.py", HIDDEN_TESTS),
                               (solutions, "mistakes.py", MISTAKES), (assignments, "public_tests.py", PUBLIC_TESTS)]:
        (folder / file).write_text(text.lstrip(), encoding="utf-8")
    return tmp_path


def test_a_sixth_assignment_from_a_master_notebook_validates_end_to_end(course):
    notebook, contract = assign(NAME, course)
    assert contract.read_text() == '{\n  "square_loss": ["y_hat", "y"],\n  "square_loss_grad": ["y_hat", "y"]\n}\n'
    student = nbformat.read(notebook, as_version=4)
    assert 'raise NotImplementedError("write square_loss_grad")' in student.cells[4].source
    assert "SOLUTION" not in nbformat.writes(student) and "np.mean" not in nbformat.writes(student)

    assignment = load_assignment(NAME, course)
    assert [q.name for q in assignment.questions] == ["square_loss", "square_loss_grad"]
    verdicts = validate_assignment(assignment, course)
    failed = {v.what: v.detail for v in verdicts if not v.ok}
    # the course's own bar of eight mistakes is the only thing a two-mistake example misses
    assert failed == {"mistake library has at least 8 mistakes": "2 mistakes"}
    assert len(verdicts) == 7


def test_a_mistake_that_no_longer_fits_the_master_fails_validation(course):
    assign(NAME, course)
    master = nbformat.read(master_path(NAME, course), as_version=4)
    master.cells[4].source = master.cells[4].source.replace("2 * (y_hat - y)", "2.0 * (y_hat - y)")
    nbformat.write(master, master_path(NAME, course))
    verdicts = validate_assignment(load_assignment(NAME, course), course)
    [drift] = [v for v in verdicts if v.what == "mistake 'the 2 of the square forgotten' is an edit of the reference"]
    assert not drift.ok and "occurs 0 times in the reference square_loss_grad" in drift.detail
