"""The first call of every case of a submission, sent in one round trip.

Most cases make one call of the student's function (a value compared with
the reference) or start with one (a derivative check first needs the
analytic derivative). Called case by case, each is a round trip to the
student's process, whose fixed cost, not the function, is most of a warm
submission's time, and more so on a loaded machine. So before the cases run,
each check is run as far as its first call of the student (``first_call``),
those calls go out in one batch (``Run.call_in_order``), and each case is then
run as before, its first call answered from the batch (``Served``) when it is
the very call that was planned. Everything after a case's first call goes
out as it did.

Scores do not change: the batch's answers are those the calls would have had
one by one (``call_in_order`` keeps the answers up to the first failure only),
and a case whose first call is not the one planned makes it afresh.
``tests/notebook/test_relevance.py`` grades every corpus both ways.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from autograder.checks.kinds import CaseContext
from autograder.engine.calls import Caller, CallResult

# Calls per round trip: a batch's replies share one size cap (channel.REPLY_HEADER), and a batch
# that breaks is made again call by call.
BATCH = 32


class _Planned(BaseException):
    """The check reached its first call of the student: the dry run stops there."""


class _Planner:
    """A student stand-in for a dry run: records the first plain call, and
    stops the check at any call (a call that keeps its arguments, a batch,
    a call twice on the same objects are not planned)."""

    def __init__(self) -> None:
        self.request: tuple[str, tuple] | None = None

    def call(self, name: str, args: tuple, *, keep_args: bool = False) -> CallResult:
        if not keep_args:
            self.request = (name, args)
        raise _Planned()

    def call_many(self, requests: list[tuple[str, tuple]]) -> list[CallResult]:
        raise _Planned()

    def call_twice(self, name: str, args: tuple) -> tuple[CallResult, CallResult]:
        raise _Planned()


def first_call(check, context: CaseContext) -> tuple[str, tuple] | None:
    """(name, args) of the first call ``check`` makes of the student, or None
    if it makes none that can be planned. What it computes before that (the
    reference's expected value) lands in the assignment's cache, where the
    real run finds it."""
    planner = _Planner()
    try:
        check.run(dataclasses.replace(context, student=planner, composed=[]))
    except _Planned:
        return planner.request
    except Exception:  # the real run meets the same problem and reports it
        return None
    return None


class Served:
    """The student's run, with the answer to one case's first call already
    fetched: served if that call comes first and is the one planned (same
    function, equal arguments); every other call goes to the run."""

    def __init__(self, run: Caller, request: tuple[str, tuple], answer: CallResult):
        self.run, self.request, self.answer = run, request, answer
        self.pending = True

    def call(self, name: str, args: tuple, *, keep_args: bool = False) -> CallResult:
        if self.pending:
            self.pending = False
            if not keep_args and name == self.request[0] and same_values(args, self.request[1]):
                return self.answer
        return self.run.call(name, args, keep_args=keep_args)

    def call_many(self, requests: list[tuple[str, tuple]]) -> list[CallResult]:
        self.pending = False
        return self.run.call_many(requests)  # type: ignore[attr-defined]

    def call_twice(self, name: str, args: tuple) -> tuple[CallResult, CallResult]:
        self.pending = False
        return self.run.call_twice(name, args)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.run, name)


def serve_first_calls(run: Caller, checks: list[tuple[Any, CaseContext]]) -> list[Caller]:
    """For each (check, context), in order, the caller its case should use:
    ``Served`` with its first call's answer, or ``run`` itself when the call
    could not be planned or its answer is not one the call would have had
    on its own. ``run`` must have ``call_in_order``."""
    plans = [first_call(check, context) for check, context in checks]
    wanted = [k for k, plan in enumerate(plans) if plan is not None]
    callers: list[Caller] = [run] * len(checks)
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start:start + BATCH]
        answers = run.call_in_order([plans[k] for k in chunk])  # type: ignore[attr-defined,misc]
        for k, answer in zip(chunk, answers):
            callers[k] = Served(run, plans[k], answer)  # type: ignore[arg-type]
        if len(answers) < len(chunk):
            break  # a call failed: later cases call for themselves, as they would have
    return callers


def same_values(a: Any, b: Any) -> bool:
    """Whether two call arguments are the same values: arrays of one type,
    dtype and shape with the same bytes, containers item by item, anything
    else by ==."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(same_values(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_values(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except Exception:
        return False
