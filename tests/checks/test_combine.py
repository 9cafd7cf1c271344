"""AllOf passes only when every check passes, and reports the first failure."""

import pytest

from autograder.checks.combine import AllOf
from autograder.checks.kinds import Outcome


class Always:
    def __init__(self, passed, message=""):
        self.outcome, self.runs = Outcome(passed, message), 0

    def run(self, ctx):
        self.runs += 1
        return self.outcome


def test_passes_when_every_check_passes():
    checks = Always(True), Always(True)
    assert AllOf(*checks).run(None).passed
    assert [c.runs for c in checks] == [1, 1]


def test_reports_the_first_failure_and_stops_there():
    first, second, third = Always(True), Always(False, "values are wrong"), Always(False, "has a loop")
    outcome = AllOf(first, second, third).run(None)
    assert outcome == Outcome(False, "values are wrong")
    assert third.runs == 0


def test_needs_a_check():
    with pytest.raises(ValueError):
        AllOf()
