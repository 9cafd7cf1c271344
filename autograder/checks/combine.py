"""Checks that earn their points only together.

A check of form alone gives points to an empty stub: a function that only
raises NotImplementedError has no loop either. ``AllOf(Matches(...),
Vectorized(...))`` passes when the values are right *and* the form is, and
reports the first check that fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from autograder.checks.kinds import CaseContext, Outcome


@dataclass(frozen=True, init=False)
class AllOf:
    checks: tuple

    def __init__(self, *checks):
        if not checks:
            raise ValueError("AllOf needs at least one check")
        object.__setattr__(self, "checks", checks)

    def run(self, ctx: CaseContext) -> Outcome:
        for check in self.checks:
            outcome = check.run(ctx)
            if not outcome.passed:
                return outcome
        return Outcome(True, "")
