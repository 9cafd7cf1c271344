"""The kinds of check a test case can declare.

Each check is a small frozen dataclass with a ``run(ctx)`` method that calls
the student's functions through ``ctx.graded(call)`` (values come back as plain
data), computes everything else in the grader's own process, and returns an
``Outcome`` with a message written for the student. ``ctx.graded`` takes only
the question's own function from the student when a reference is present.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from autograder.checks.compare import Tolerance, compare, describe_type, dtype_problem
from autograder.checks.gradient import (FAST_ENTRIES, directional_agreement, disagreement_report, from_perturbed,
                                        perturbed)
from autograder.checks.properties import (NUMERIC_WARNINGS, loop_problem, purity_problem, repeat_problem,
                                         stability_problem)
from autograder.engine.calls import Caller, CallFailed, Composed, ReferenceCaller, call_twice, run_call, run_many
from autograder.messages import say
from autograder.spec import Call, Program


class NeedsReference(LookupError):
    """A check compares with the reference, and there is none (a student's self-check)."""


class _Reference:
    def __repr__(self) -> str:
        return "REFERENCE"


REFERENCE = _Reference()  # "compare with what the reference returns on the same inputs"


@dataclass(frozen=True)
class Outcome:
    passed: bool
    message: str = ""
    # A public derivative check's entries, for a picture in the feedback page: ``what``, ``against``,
    # ``tol``, and ``analytic`` and ``numerical`` as nested lists of one shape. Never set for a hidden case.
    derivative: dict | None = None


@dataclass
class CaseContext:
    student: Caller
    reference: ReferenceCaller | None
    inputs: Callable[[], tuple]  # fresh copies on every call
    contract: dict[str, tuple[str, ...]]
    layout: str = ""
    reveal: bool = True
    source_of: Callable[[str], str | None] = lambda name: None
    cache: dict | None = None  # expected values by (case, call), shared across submissions
    case_key: object = None
    tampered: tuple[int, ...] = ()  # cells that reach into the grader's code: self-reports are not trusted
    returns: dict[str, tuple[str, ...]] = field(default_factory=dict)  # element names of tuple results
    question: str = ""  # the question being graded: its function is the only one taken from the student
    composed: list[Composed] = field(default_factory=list)  # every composition built for this case
    # False in a run that is feedback only (grade.explained): a derivative the random directions do not
    # clear fails there without the per-entry check that would say which entries.
    explain: bool = True

    def graded(self, call: Call) -> Caller:
        """Who answers the calls ``call`` makes: the student for the question's
        own function (and a Program's ``together``), the reference for every
        other contract function. Without a reference (a student's self-check),
        the student answers everything: the public checks are self-consistency."""
        if self.reference is None or not self.question:
            return self.student
        own = frozenset({self.question, *(call.together if isinstance(call, Program) else ())})
        composed = Composed(self.student, self.reference, own)
        self.composed.append(composed)
        return composed

    @property
    def borrowed(self) -> set[str]:
        """The contract functions this case took from the reference."""
        return set().union(*(c.borrowed for c in self.composed))


def describe(call: Call, contract: dict[str, tuple[str, ...]]) -> str:
    if isinstance(call, Program):
        return call.text
    return f"{call}({', '.join(contract.get(call, ()))})"


def _expected(ctx: CaseContext, call: Call, expected: Any) -> Any:
    if expected is REFERENCE:
        if ctx.reference is None:
            raise NeedsReference("this check needs the reference solution")
        if ctx.cache is None:
            return run_call(ctx.reference, call, ctx.inputs())
        key = (ctx.case_key, describe(call, ctx.contract))
        if key not in ctx.cache:
            ctx.cache[key] = run_call(ctx.reference, call, ctx.inputs())
        return ctx.cache[key]
    return expected


@dataclass(frozen=True)
class Matches:
    """The result equals the reference's (or a fixed value) within a tolerance."""

    call: Call
    expected: Any = REFERENCE
    rtol: float = 1e-6
    atol: float = 1e-9
    values: bool = True  # False: compare structure, shapes and dtypes only

    def run(self, ctx: CaseContext) -> Outcome:
        expected = _expected(ctx, self.call, self.expected)
        got = run_call(ctx.graded(self.call), self.call, ctx.inputs())
        problem = compare(got, expected, Tolerance(self.rtol, self.atol), what=describe(self.call, ctx.contract),
                          layout=ctx.layout, reveal=ctx.reveal, values=self.values,
                          names=ctx.returns.get(self.call) if isinstance(self.call, str) else None)
        return Outcome(problem is None, problem or "")


@dataclass(frozen=True)
class DerivativeAgrees:
    """An analytic derivative agrees with central differences of a function.

    ``function`` is usually the student's own forward function, so the student
    learns that the gradient disagrees with *their* loss, whatever the loss is.
    The numerical derivative has shape ``f(x).shape + x.shape``; ``layout``
    rearranges it into the shape the analytic result should have, and ``pick``
    selects the derivative from the analytic call's result.
    """

    analytic: Call
    function: Call
    wrt: int
    pick: Callable[[Any], Any] | None = None
    layout: Callable[[np.ndarray], np.ndarray] | None = None
    eps: float = 1e-6
    tol: float = 1e-5
    label: str = ""

    def run(self, ctx: CaseContext) -> Outcome:
        inputs = ctx.inputs()
        what = self.label or describe(self.analytic, ctx.contract)
        analytic = run_call(ctx.graded(self.analytic), self.analytic, inputs)
        if self.pick is not None:
            try:
                analytic = self.pick(analytic)
            except (KeyError, IndexError, TypeError) as error:
                found = f" ({describe_type(analytic)}; {type(error).__name__}: {error})" if ctx.reveal else ""
                return Outcome(False, f"could not find the derivative in {what}{found}.")
        analytic_array = np.asarray(analytic, dtype=float) if _numeric(analytic) else None
        if analytic_array is None:
            found = f", but it is {describe_type(analytic)}" if ctx.reveal else ""
            return Outcome(False, f"{what} should be an array of numbers{found}.")

        x = np.asarray(inputs[self.wrt], dtype=float)
        differentiated = ctx.graded(self.function)

        def at(points: list) -> list:
            # Callers copy what they are given (over the wire, or deep copies in process),
            # so every point can share the other inputs instead of making them afresh.
            return run_many(differentiated, self.function,
                            [inputs[:self.wrt] + (point,) + inputs[self.wrt + 1:] for point in points])

        if x.size >= FAST_ENTRIES:  # only a failure is explained, entry by entry (and pictured, if public)
            try:
                if directional_agreement(analytic_array, x, at, layout=self.layout, eps=self.eps, tol=self.tol):
                    return Outcome(True)
            except CallFailed:
                pass  # the check entry by entry fails the same way, in its own words
            if not ctx.explain:
                return Outcome(False, say("directions_disagree", what=what, against=describe(self.function,
                                                                                           ctx.contract)))
        values = self._entry_by_entry(ctx, differentiated, at, x)
        against = describe(self.function, ctx.contract)
        if getattr(differentiated, "borrowed", None):
            against = f"the reference's {against}"
        scalar_expected = self.layout is None and analytic_array.ndim == x.ndim
        if problem := _unfit_for_differences(values, against, scalar_expected, ctx.reveal):
            return Outcome(False, problem)
        numeric = from_perturbed(values, x.shape, self.eps)
        if self.layout is not None:
            numeric = self.layout(numeric)
        if analytic_array.shape != numeric.shape:
            note = f" Layout: {ctx.layout}" if ctx.layout else ""
            got = f"has shape {analytic_array.shape}" if ctx.reveal else "has the wrong shape"
            return Outcome(False, f"{what} {got}, expected shape {numeric.shape} "
                                  f"(the derivative of {against}).{note}")
        problem = disagreement_report(analytic_array, numeric, self.tol, what=what, against=against,
                                      reveal=ctx.reveal)
        shown = {"what": what, "against": against, "tol": self.tol, "analytic": analytic_array.tolist(),
                 "numerical": numeric.tolist()} if ctx.reveal else None
        return Outcome(problem is None, problem or "", shown)

    def _entry_by_entry(self, ctx: CaseContext, differentiated: Caller, at: Callable[[list], list],
                        x: np.ndarray) -> list:
        """f at x + eps e_i and x - eps e_i for every entry i (``perturbed``).
        Where only the reference answered (the student's function is not in
        f), these are the same for every submission: kept in the assignment's
        cache with the functions f borrowed, and computed once per case.
        mlp_backprop's wrong backward passes need 100 to 200 reference calls
        each for them."""
        if ctx.cache is None or not isinstance(differentiated, Composed):
            return at(perturbed(x, self.eps))
        key = (ctx.case_key, "entry by entry", describe(self.function, ctx.contract), self.wrt, self.eps)
        if key in ctx.cache:
            values, borrowed = ctx.cache[key]
            differentiated.borrowed |= borrowed
            return list(values)
        values = at(perturbed(x, self.eps))
        if not differentiated.asked_student:
            ctx.cache[key] = (tuple(values), frozenset(differentiated.borrowed))
        return values


def _unfit_for_differences(values: list, against: str, scalar_expected: bool, reveal: bool) -> str | None:
    """Why central differences of these values say nothing about the
    derivative (the fault is then in the differentiated function, not in the
    derivative under test), or None."""
    for value in values:
        if not _numeric(value):
            plain = f"{against} did not return numbers"
            raise CallFailed(f"{plain} (it returned {describe_type(value)}), so its derivative cannot be checked.",
                             f"{plain}, so its derivative cannot be checked.")
    first = np.asarray(values[0])
    if first.dtype.kind == "f" and first.dtype.itemsize < 8:
        return (f"{against} returns {first.dtype} values; central differences need float64 (the contract's "
                f"dtype), so the derivative cannot be checked against it. Fix the dtype of {against} first.")
    if scalar_expected and first.ndim > 0 and first.size == 1:
        shape = f" of shape {first.shape}" if reveal else ""
        return (f"{against} returns an array{shape} where a single number is expected, so the derivative "
                f"cannot be compared with it. Make it return a float first.")
    return None


def _untrusted(ctx: CaseContext) -> Outcome | None:
    if not ctx.tampered:
        return None
    return Outcome(False, say("unchecked_cells", cells=", ".join(map(str, ctx.tampered))))


def _numeric(value) -> bool:
    try:
        return np.asarray(value).dtype.kind in "iuf"
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class Pure:
    """The call leaves its inputs unchanged and does not return a view of one.

    Judged twice: by the arguments as the student's process reports them
    after the call (and which parts of the result share their memory), and by
    a value the grader compares itself: the function called a second time on
    the very same argument objects must return what it returned the first
    time. A process found with the grader's code in it changed is not asked."""

    call: str

    def run(self, ctx: CaseContext) -> Outcome:
        if distrust := _untrusted(ctx):
            return distrust
        before = ctx.inputs()
        first, second = call_twice(ctx.graded(self.call), self.call, ctx.inputs())
        if not first.ok:
            raise CallFailed.of(first)
        if first.tampered or second.tampered:
            return Outcome(False, say("unchecked_changed"))
        problem = purity_problem(self.call, ctx.contract.get(self.call, ()), before, first.args_after,
                                 first.aliases, reveal=ctx.reveal)
        if problem is None:
            problem = repeat_problem(self.call, first.value, second.value if second.ok else None,
                                     None if second.ok else second.safe_error)
        return Outcome(problem is None, problem or "")


# Correct formulas may round a subnormal result differently by a few of the smallest
# subnormals (5e-324 each); values above ~1e-314 are judged by ``rtol`` alone.
SUBNORMAL_NOISE = 1e-320


@dataclass(frozen=True)
class Stable:
    """Extreme inputs give the right values: no nan or inf, no exact 0 or 1
    where the true value is not (an overflow or underflow on the way), and
    (unless ``expected`` is None) the expected values within ``rtol`` and
    ``atol``. The exact-0-or-1 test counts every digit, down to subnormal
    numbers (``SUBNORMAL_NOISE``): sigmoid(-720) is 1.3e-313, and a formula
    that overflowed on the way gives exactly 0 there. The value comparison
    keeps the ordinary tolerance, so a clipped sigmoid (7e-218 at -720),
    which never overflows, is not failed for digits no one uses. Judged by
    the values alone: a warning the student's process reports is only extra
    feedback, since a ``np.errstate`` block silences it without preventing
    the overflow."""

    call: str
    expected: Any = REFERENCE
    rtol: float = 1e-6
    atol: float = 1e-12

    def run(self, ctx: CaseContext) -> Outcome:
        result = ctx.graded(self.call).call(self.call, ctx.inputs())
        if not result.ok:
            raise CallFailed.of(result)
        expected = _expected(ctx, self.call, self.expected) if self.expected is not None else None
        what = describe(self.call, ctx.contract)
        # A float32 result under- and overflows early: name the dtype, the cause, first.
        problem = dtype_problem(result.value, expected, what, ctx.reveal) if expected is not None else None
        problem = problem or stability_problem(self.call, result.value, expected, self.rtol, SUBNORMAL_NOISE,
                                               reveal=ctx.reveal)
        if problem is None and expected is not None:
            problem = compare(result.value, expected, Tolerance(self.rtol, self.atol), what=what, layout=ctx.layout,
                              reveal=ctx.reveal)
        if problem is None:
            return Outcome(True)
        warned = [w for w in result.warnings if any(word in w for word in NUMERIC_WARNINGS)]
        if warned:
            problem += f" (It also warned: {warned[0]!r}.)" if ctx.reveal else " (It also raised a numerical warning.)"
        return Outcome(False, problem)


@dataclass(frozen=True)
class Vectorized:
    """The function body has no Python-level loop (checked on its source)."""

    function: str

    def run(self, ctx: CaseContext) -> Outcome:
        source = ctx.source_of(self.function)
        if source is None:
            return Outcome(False, f"could not find where {self.function} is defined in your notebook.")
        problem = loop_problem(self.function, source)
        return Outcome(problem is None, problem or "")


@dataclass(frozen=True)
class Satisfies:
    """A property of the result: ``predicate(value, inputs)`` returns None
    when it holds, or the message to show."""

    call: Call
    predicate: Callable[[Any, tuple], str | None]

    def run(self, ctx: CaseContext) -> Outcome:
        inputs = ctx.inputs()
        value = run_call(ctx.graded(self.call), self.call, inputs)
        problem = self.predicate(value, inputs)
        return Outcome(problem is None, problem or "")
