"""Run an assignment's test cases against one implementation and score them."""

from __future__ import annotations

import dataclasses
from typing import Callable

from autograder.checks.kinds import CaseContext, Outcome
from autograder.engine.calls import Caller, CallFailed, ReferenceCaller
from autograder.scoring.prefetch import Finished, serve_first_calls
from autograder.scoring.results import CaseResult
from autograder.spec import Assignment


# A case that took functions from the reference runs again on the student's own (``explained``) only in
# the first cases of its question that took the same functions and came out the same: they tell the
# student where to look; twenty more would say it again (mlp_backprop's derivative cases, 4 calls each).
RUNS_AGAIN_PER_KIND = 2


def grade_cases(assignment: Assignment, student: Caller, *, include_hidden: bool = True,
                only: str | None = None, source_of: Callable[[str], str | None] = lambda name: None,
                tampered: tuple[int, ...] = (), batch: bool = False, graded_before: frozenset[str] = frozenset(),
                failed_before: frozenset[str] = frozenset()) -> list[CaseResult]:
    """Every case of every question (or of ``only``), scored all-or-nothing.

    With ``batch`` (``student`` must have ``call_in_order``), the first calls of
    every case go out a round at a time first (``prefetch``). A case that
    took contract functions from the reference is run again on the student's
    own functions (``explained``) unless each of those functions is known to
    pass every case of its own question, here or in an earlier pass
    (``graded_before``: questions graded there, ``failed_before``: those that
    failed): such a function composes as the reference's does, and the run
    again would tell nothing; and only in the first RUNS_AGAIN_PER_KIND cases
    of a question that took the same functions and passed or failed alike.
    The scores never depend on it.
    """
    reference = ReferenceCaller(assignment.reference) if assignment.reference else None
    questions = [assignment.question(only)] if only else assignment.questions
    planned = []
    for question in questions:
        for case in question.cases:
            if case.hidden and not include_hidden:
                continue
            context = CaseContext(student=student, reference=reference, inputs=case.inputs.make,
                                  contract=assignment.contract, layout=assignment.layout,
                                  reveal=not case.hidden, source_of=source_of,
                                  cache=assignment.expected_cache, case_key=(question.name, case.name),
                                  tampered=tampered, question=question.name, returns=assignment.returns)
            planned.append((question, case, context))
    done: dict[int, Outcome] = {}
    if batch:
        planned, done = _served(student, planned)
    outcomes = [done[k] if k in done else _run_check(case.check, context)
                for k, (_, case, context) in enumerate(planned)]
    failed = set(failed_before) | {question.name for (question, _, _), outcome in zip(planned, outcomes)
                                   if not outcome.passed}
    unknown = set(assignment.contract) - graded_before - {question.name for question, _, _ in planned}
    again = {}
    told: dict[tuple, int] = {}
    for k, ((question, case, context), outcome) in enumerate(zip(planned, outcomes)):
        kind = (question.name, frozenset(context.borrowed), outcome.passed)
        if context.borrowed & (failed | unknown) and told.get(kind, 0) < RUNS_AGAIN_PER_KIND:
            told[kind] = told.get(kind, 0) + 1
            again[k] = (question, case, own_functions(context, student))
    known: dict[int, Outcome] = {}  # runs again whose dry run ended on the batches' answers
    if batch:  # the runs again send their first calls in rounds too
        served, finished = _served(student, list(again.values()))
        known = {k: finished[n] for n, k in enumerate(again) if n in finished}
        again = dict(zip(again, served))
    results = []
    for k, ((question, case, context), outcome) in enumerate(zip(planned, outcomes)):
        if k in again:
            outcome = explained(case.check, context, outcome, again[k][2], known.get(k))
        results.append(CaseResult(question.name, case.name, case.points if outcome.passed else 0.0,
                                  case.points, outcome.message, case.hidden,
                                  None if case.hidden else outcome.derivative))
    return results


def run_case(check, context: CaseContext) -> Outcome:
    """Run one check. Where it took other contract functions from the
    reference, it runs again on the student's own functions alone, and the
    difference becomes feedback that costs nothing."""
    outcome = _run_check(check, context)
    return explained(check, context, outcome, own_functions(context, context.student))


def own_functions(context: CaseContext, student: Caller) -> CaseContext:
    """``context`` for running its check again on ``student``'s functions alone,
    as feedback: a derivative is not explained entry by entry there
    (``CaseContext.explain``), only found to agree or not."""
    return dataclasses.replace(context, student=student, question="", composed=[], explain=False)


def explained(check, context: CaseContext, outcome: Outcome, own_context: CaseContext,
              own: Outcome | None = None) -> Outcome:
    """``outcome`` of a check that took contract functions from the
    reference (``context``), with what the check says on the student's own
    functions alone (run again in ``own_context``, unless its outcome
    ``own`` is known) as a note: the score stays ``outcome``'s."""
    borrowed = sorted(context.borrowed)
    if not borrowed:
        return outcome
    if own is None:
        own = _run_check(check, own_context)
    if outcome.passed == own.passed:
        return outcome
    names = ", ".join(borrowed)
    if outcome.passed:
        note = (f"Passed with the reference's {names}. With your own {names} in their place it fails, "
                f"so look at {names}:\n{own.message}")
    else:
        note = (f"(With your own {names} in place of the reference's it passes: your {context.question} and "
                f"your {names} may share one mistake.)")
    return dataclasses.replace(outcome, message=f"{outcome.message}\n{note}".strip())


def _served(student: Caller, planned: list) -> tuple[list, dict[int, Outcome]]:
    """(question, case, context) with each context's student answering its
    first calls from the batches (``prefetch.serve_first_calls``), and the
    outcomes of the cases whose dry run ended there, by position (their
    contexts carry the compositions it made)."""
    served, done = [], {}
    for k, ((question, case, context), use) in enumerate(
            zip(planned, serve_first_calls(student, [(case.check, context) for _, case, context in planned]))):
        if isinstance(use, Finished):
            done[k] = use.outcome
            served.append((question, case, dataclasses.replace(context, composed=use.composed)))
        else:
            served.append((question, case, dataclasses.replace(context, student=use)))
    return served, done


def _run_check(check, context: CaseContext) -> Outcome:
    try:
        return check.run(context)
    except CallFailed as failure:
        return Outcome(False, failure.message if context.reveal else failure.brief)
    except (ArithmeticError, ValueError, TypeError, IndexError, KeyError, AttributeError) as error:
        # The student's values broke an assumption of the check (a wrong type deep inside a result, say).
        detail = f": {type(error).__name__}: {error}" if context.reveal else ""
        return Outcome(False, f"your result could not be checked{detail}.")
