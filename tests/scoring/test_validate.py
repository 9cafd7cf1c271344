"""Every assignment in the course is gradable (this is what CI relies on):
the reference earns full marks, the stubs earn zero, every mistake loses."""

from pathlib import Path

import pytest

from autograder.course import assignment_names, load_assignment
from autograder.scoring.validate import validate_assignment

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", assignment_names(ROOT))
def test_assignment_validates(name, engine):
    verdicts = validate_assignment(load_assignment(name, ROOT), engine, ROOT)
    failed = [f"{v.what}: {v.detail}" for v in verdicts if not v.ok]
    assert not failed, "\n".join(failed)
