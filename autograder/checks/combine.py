"""Checks that earn their points only together.

A check of form alone gives points to an empty stub: a function that only
raises NotImplementedError has no loop either. ``AllOf(Matches(...),
Vectorized(...))`` passes when the values are right *and* the form is, and
reports the first check that fails. A property a zero or constant answer also
has (purity, a sign, a shape) is worth points only tied this way to the
values. Without the reference (a student's self-check) a check that needs it
is left out and the rest still run.
"""

from __future__ import annotations

from dataclasses import dataclass

from autograder.checks.kinds import CaseContext, NeedsReference, Outcome


@dataclass(frozen=True, init=False)
class AllOf:
    checks: tuple

    def __init__(self, *checks):
        if not checks:
            raise ValueError("AllOf needs at least one check")
        object.__setattr__(self, "checks", checks)

    def run(self, ctx: CaseContext) -> Outcome:
        for check in self.checks:
            try:
                outcome = check.run(ctx)
            except NeedsReference:
                if ctx.reference is not None:
                    raise
                continue  # a student's self-check has no reference: the other checks still tell them something
            if not outcome.passed:
                return outcome
        return Outcome(True, "")
