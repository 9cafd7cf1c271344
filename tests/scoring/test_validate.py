"""Validation through the sandbox (what `autograder validate` and CI run):
the reference-filled notebook earns full marks, the untouched one zero, every
mistake loses where it may. Every assignment is validated in process by
tests/assignments/test_every_assignment.py; here the sandbox path is proved
on one, and a mistake that drifted from the reference fails validation."""

import dataclasses
from pathlib import Path

from autograder.course import load_assignment
from autograder.scoring.validate import (VALIDATE_CALL_LIMIT, validate_assignment, validate_assignments,
                                         validate_in_process)

ROOT = Path(__file__).resolve().parents[2]


def test_two_assignments_validate_through_the_sandbox_in_one_pool():
    assignments = [load_assignment(name, ROOT) for name in ("logistic_regression", "computation_graph")]
    every = validate_assignments(assignments, ROOT)
    for assignment, verdicts in zip(assignments, every):
        failed = [f"{v.what}: {v.detail}" for v in verdicts if not v.ok]
        assert not failed, "\n".join(failed)
        assert any("every test case fails" in v.what for v in verdicts)
        # each assignment's verdicts are about its own mistakes, whatever order the pool graded them in
        about_mistakes = [v.what for v in verdicts if v.what.startswith("mistake '")]
        assert len(about_mistakes) == len(assignment.mistakes)
        assert all(what.startswith(f"mistake '{mistake.name}' ")
                   for what, mistake in zip(about_mistakes, assignment.mistakes))
    # a mistake that hangs is found out within the validation call limit, not the assignment's 10 s
    [hang] = [v for v in every[0] if "did not return" in v.detail]
    assert hang.ok and f"within {VALIDATE_CALL_LIMIT:g} s" in hang.detail, hang.detail


def test_an_edit_whose_text_left_the_reference_fails_validation():
    assignment = load_assignment("logistic_regression", ROOT)
    [edit] = [m for m in assignment.mistakes if m.name == "missing 1/N in the gradient"]
    drifted = dataclasses.replace(edit, replaces=" / len(X)")  # as if the reference had been rewritten
    twice = dataclasses.replace(edit, name="ambiguous", replaces="y")
    assignment.mistakes = [drifted, twice]
    verdicts = {v.what: v for v in validate_in_process(assignment)}
    assert not verdicts["mistake 'missing 1/N in the gradient' is an edit of the reference"].ok
    assert "' / len(X)' occurs 0 times in the reference compute_gradient" in \
        verdicts["mistake 'missing 1/N in the gradient' is an edit of the reference"].detail
    assert "not exactly once" in verdicts["mistake 'ambiguous' is an edit of the reference"].detail
