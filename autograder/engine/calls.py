"""What a call of a contract function gives back, on either side.

The grader calls functions through a *caller*: the student's run in an
untrusted child process (``engine.session``) or in the notebook itself
(``engine.inprocess``); the reference runs in the trusted parent
(``ReferenceCaller``); ``Composed`` routes each call to one of the two, so a
test that composes several contract functions takes only the graded ones from
the student. All of them return a ``CallResult``.
"""

from __future__ import annotations

import copy
import traceback
import warnings as warnings_module
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

import numpy as np

from autograder.engine.protocol import materialize
from autograder.spec import Call, Program
from autograder.tree import tree_map


@dataclass
class CallResult:
    value: Any = None
    error: str | None = None        # student-facing reason the call failed
    brief: str | None = None        # the same in the grader's own words only: safe for hidden tests
    args_after: tuple | None = None  # the arguments as they were after the call
    warnings: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)  # parts of the result that share memory with an input
    tampered: bool = False  # the process that answered had the grader's code in it changed: trust only values
    timed_out: bool = False  # the call reached a time limit (its call limit, or the submission's total)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def safe_error(self) -> str | None:
        return self.brief or self.error


class Caller(Protocol):
    def call(self, name: str, args: tuple, *, keep_args: bool = False) -> CallResult: ...


class CallFailed(Exception):
    """Raised inside a Program when one of the calls it makes fails. ``brief``
    carries no text produced by student code (hidden tests show only it)."""

    def __init__(self, message: str, brief: str | None = None):
        super().__init__(message)
        self.message = message
        self.brief = brief or message

    @classmethod
    def of(cls, result: "CallResult") -> "CallFailed":
        return cls(result.error, result.safe_error)


class Functions:
    """``m.predict(X, theta)`` for Programs: each attribute is a contract
    function of one implementation; a failed call raises CallFailed."""

    def __init__(self, caller: Caller):
        self._caller = caller

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def call(*args):
            result = self._caller.call(name, args)
            if not result.ok:
                raise CallFailed.of(result)
            return result.value

        return call


def run_call(caller: Caller, call: Call, inputs: tuple) -> Any:
    """Run a contract function or a Program; CallFailed if a call fails."""
    if isinstance(call, Program):
        return call.fn(Functions(caller), *inputs)
    result = caller.call(call, inputs)
    if not result.ok:
        raise CallFailed.of(result)
    return result.value


def run_many(caller: Caller, call: Call, inputs: list[tuple]) -> list:
    """``run_call`` on many inputs with as few round trips as possible.

    Works in rounds: each round replays every unfinished Program from its start,
    answering its calls from what earlier rounds fetched, up to the first call
    it still needs; those calls of all Programs then go out in one batch. A
    numerical derivative over p entries costs a few round trips, not 2p times
    the calls of its Program. Programs must be plain compositions of calls.
    """
    answers: list[list[CallResult]] = [[] for _ in inputs]
    values: list = [None] * len(inputs)
    unfinished = set(range(len(inputs)))
    while unfinished:
        wanted: list[tuple[int, str, tuple]] = []
        for k in sorted(unfinished):
            try:
                values[k] = run_call(_Replaying(answers[k], wanted, k), call, inputs[k])
            except _Pending:
                continue
            unfinished.discard(k)
        if wanted:
            batch = getattr(caller, "call_many", None)
            requests = [(name, args) for _, name, args in wanted]
            results = batch(requests) if batch else [caller.call(name, args) for name, args in requests]
            for (k, _, _), result in zip(wanted, results):
                answers[k].append(result)
    return values


def call_twice(caller: Caller, name: str, args: tuple) -> tuple[CallResult, CallResult]:
    """``name`` called on ``args`` keeping its arguments, then again on the
    arguments as the first call left them: a function that changes its inputs
    in place gives itself different inputs the second time. Callers that can
    hand a function the very same objects twice do (the sandbox: the second
    call does not depend on the first one's report of its arguments)."""
    twice = getattr(caller, "call_twice", None)
    if twice is not None:
        return twice(name, args)
    first = caller.call(name, args, keep_args=True)
    if not first.ok or first.args_after is None:
        return first, first
    return first, caller.call(name, tuple(first.args_after), keep_args=True)


class _Pending(BaseException):
    """A replayed Program reached a call whose answer is not known yet."""


class _Replaying:
    def __init__(self, answers: list[CallResult], wanted: list, key: int):
        self.answers, self.wanted, self.key, self.used = answers, wanted, key, 0

    def call(self, name: str, args: tuple, *, keep_args: bool = False) -> CallResult:
        if self.used < len(self.answers):
            self.used += 1
            return self.answers[self.used - 1]
        self.wanted.append((self.key, name, args))
        raise _Pending()


class Composed:
    """The student's functions named in ``own``, the reference for every other
    contract function: the rule "each question is scored on its own function"
    (CURRICULUM) applied to the compositions a test builds around it. The
    student's functions still run as written, with whatever they call inside.
    ``borrowed`` records which functions came from the reference."""

    def __init__(self, student: Caller, reference: "ReferenceCaller", own: frozenset[str]):
        self.student, self.reference, self.own = student, reference, own
        self.borrowed: set[str] = set()
        self.asked_student = False  # whether any call went to the student: else its values are the reference's

    def _route(self, name: str) -> Caller:
        if name in self.own:
            self.asked_student = True
            return self.student
        self.borrowed.add(name)
        return self.reference

    def call(self, name: str, args: tuple, *, keep_args: bool = False) -> CallResult:
        return self._route(name).call(name, args, keep_args=keep_args)

    def call_twice(self, name: str, args: tuple) -> tuple[CallResult, CallResult]:
        return call_twice(self._route(name), name, args)

    def call_many(self, requests: list[tuple[str, tuple]]) -> list[CallResult]:
        """The student's calls in one batch, the reference's in process, in the order asked."""
        results: list[CallResult | None] = [None] * len(requests)
        mine = [k for k, (name, _) in enumerate(requests) if self._route(name) is self.student]
        batch = getattr(self.student, "call_many", None)
        wanted = [requests[k] for k in mine]
        answers = batch(wanted) if batch and wanted else [self.student.call(n, a) for n, a in wanted]
        for k, answer in zip(mine, answers):
            results[k] = answer
        for k, (name, args) in enumerate(requests):
            if results[k] is None:
                results[k] = self.reference.call(name, args)
        return results


def _fresh(leaf: Any) -> Any:
    """A leaf of a reference call's arguments, as the call may have it: arrays
    copied, immutable values shared, anything else deep-copied."""
    if type(leaf) is np.ndarray:
        return leaf.copy()
    if isinstance(leaf, (int, float, complex, str, bytes, type(None), np.generic)):
        return leaf
    return copy.deepcopy(leaf)


class ReferenceCaller:
    """Calls the reference implementation in the parent, on copies of the
    arguments so that one test can never disturb another."""

    def __init__(self, functions: dict[str, Callable]):
        self.functions = functions

    def call(self, name: str, args: tuple, *, keep_args: bool = False) -> CallResult:
        args = materialize(tree_map(_fresh, args))
        with warnings_module.catch_warnings(record=True) as caught, np.errstate(all="warn", under="ignore"):
            warnings_module.simplefilter("always")
            try:
                value = self.functions[name](*args)
            except Exception as error:  # a reference failure is a bug in the course, say so loudly
                raise RuntimeError(f"the reference {name} failed: {error}\n{traceback.format_exc()}") from error
        return CallResult(value=value, args_after=args if keep_args else None,
                          warnings=[str(w.message) for w in caught])
