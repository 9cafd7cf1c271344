"""The first calls of every case of a submission, sent a round at a time.

Most cases make one call of the student's function (a value compared with
the reference) or start with a few (a derivative check first needs the
analytic derivative; mlp_backprop's backward pass needs the student's own
forward cache first). Called case by case, each is a round trip to the
student's process, whose fixed cost, not the function, is most of a warm
submission's time, and more so on a loaded machine. So before the cases run,
each check is run as far as its first call of the student (``next_call``),
those calls go out in one batch (``Run.call_in_order``); then each check is
run again as far as its second call, the first answered from the batch, and
so on for ROUNDS rounds. Each case then runs as before, its first calls
answered from the batches (``Served``) while they are the very calls that
were planned; a case whose dry run ran to its end on answers from the
batches is not run again (``Finished``: that run was the case, the same code
on the same answers). Everything after goes out as it did.

Scores do not change: the batch's answers are those the calls would have had
one by one (``call_in_order`` keeps the answers up to the first call that
hit a time limit, and no later round is sent then), and a case whose call is
not the one planned makes it, and every later one, afresh.
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
# Calls of each case fetched ahead: a case's first two or three calls of the student depend on each
# other (a forward cache, then the backward pass on it). mlp_backprop's reference notebook went from 73
# round trips to 18.
ROUNDS = 3

Request = tuple[str, tuple]


class _Planned(BaseException):
    """The check reached a call of the student not fetched yet: the dry run stops there."""


class _Planner:
    """A student stand-in for a dry run: answers the calls already fetched
    (``fetched``, in order, while they are the calls planned), records the
    next plain call, and stops the check there or at any call it cannot plan
    (a call that keeps its arguments, a batch, a call twice on the same objects)."""

    def __init__(self, fetched: list[tuple[Request, CallResult]]) -> None:
        self.fetched = fetched
        self.used = 0
        self.request: Request | None = None

    def call(self, name: str, args: tuple, *, keep_args: bool = False) -> CallResult:
        if self.used < len(self.fetched):
            request, answer = self.fetched[self.used]
            if not _is_planned(request, name, args, keep_args):
                raise _Planned()
            self.used += 1
            return answer
        if not keep_args:
            self.request = (name, args)
        raise _Planned()

    def call_many(self, requests: list[Request]) -> list[CallResult]:
        raise _Planned()

    def call_twice(self, name: str, args: tuple) -> tuple[CallResult, CallResult]:
        raise _Planned()


@dataclasses.dataclass
class Finished:
    """A dry run that answered every call from the batches and ran to the end:
    its outcome is the case's (the check is the same code on the same answers),
    with the compositions it made (``CaseContext.composed``)."""

    outcome: Any
    composed: list


def next_call(check, context: CaseContext,
              fetched: list[tuple[Request, CallResult]] = ()) -> Request | Finished | None:
    """(name, args) of the call ``check`` makes of the student after the
    ``fetched`` ones (answered as fetched); Finished if it makes no other and
    ends; None if it makes one that cannot be planned, or fails. What it
    computes on the way (the reference's expected value) lands in the
    assignment's cache, where the real run finds it."""
    planner = _Planner(list(fetched))
    dry = dataclasses.replace(context, student=planner, composed=[])
    try:
        outcome = check.run(dry)
    except _Planned:
        return planner.request
    except Exception:  # the real run meets the same problem and reports it
        return None
    if planner.used != len(planner.fetched):
        return None
    return Finished(outcome, dry.composed)


class Served:
    """The student's run, with the answers to one case's first calls already
    fetched: each is served while the calls come in order and are the ones
    planned (same function, equal arguments); from the first that is not,
    every call goes to the run."""

    def __init__(self, run: Caller, fetched: list[tuple[Request, CallResult]]):
        self.run, self.fetched = run, list(fetched)

    def call(self, name: str, args: tuple, *, keep_args: bool = False) -> CallResult:
        if self.fetched:
            request, answer = self.fetched.pop(0)
            if _is_planned(request, name, args, keep_args):
                return answer
            self.fetched = []
        return self.run.call(name, args, keep_args=keep_args)

    def call_many(self, requests: list[Request]) -> list[CallResult]:
        self.fetched = []
        return self.run.call_many(requests)  # type: ignore[attr-defined]

    def call_twice(self, name: str, args: tuple) -> tuple[CallResult, CallResult]:
        self.fetched = []
        return self.run.call_twice(name, args)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.run, name)


def serve_first_calls(run: Caller, checks: list[tuple[Any, CaseContext]]) -> list[Caller | Finished]:
    """For each (check, context), in order, what its case should use: the
    caller (``Served`` with the answers to its first calls, up to ROUNDS, or
    ``run`` itself when its first call could not be planned or its answer is
    not one the call would have had on its own), or, for a case whose dry
    run ended on answers from the batches, its Finished outcome: a later
    round's dry run of a case that makes one call is its whole check, not
    to be run again. ``run`` must have ``call_in_order``."""
    fetched: list[list[tuple[Request, CallResult]]] = [[] for _ in checks]
    finished: dict[int, Finished] = {}
    going = list(range(len(checks)))
    for _ in range(ROUNDS):
        plans = {k: next_call(*checks[k], fetched[k]) for k in going}
        finished.update({k: plan for k, plan in plans.items() if isinstance(plan, Finished)})
        wanted = [k for k in going if isinstance(plans[k], tuple)]
        cut = False
        for start in range(0, len(wanted), BATCH):
            chunk = wanted[start:start + BATCH]
            answers = run.call_in_order([plans[k] for k in chunk])  # type: ignore[attr-defined,misc]
            for k, answer in zip(chunk, answers):
                fetched[k].append((plans[k], answer))  # type: ignore[arg-type]
            if len(answers) < len(chunk):
                cut = True  # a call hit its time limit: later cases, and later rounds, call for themselves
                break
        if cut or not wanted:
            break
        going = [k for k in wanted if fetched[k] and fetched[k][-1][1].ok]  # a failed call ends its case's plan
    return [finished[k] if k in finished else Served(run, answers) if answers else run
            for k, answers in enumerate(fetched)]


def _is_planned(request: Request, name: str, args: tuple, keep_args: bool) -> bool:
    """Whether a call is the one ``request`` planned: the same function on equal
    arguments, not keeping them (a call that keeps its arguments is never planned)."""
    return not keep_args and name == request[0] and same_values(args, request[1])


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
