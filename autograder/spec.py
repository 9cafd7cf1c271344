"""Assignments, questions and test cases, declared as data.

An assignment is a list of questions, one per contract function. A question
is a list of cases. A case says what to call, on which inputs, which check to
apply, how many points it is worth and whether students may see it.

Inputs are either fixed values or made from a stored seed, so grading the same
submission twice gives the same score. Checks live in ``autograder.checks``;
the spec only names them and their tolerances.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np


@dataclass(frozen=True)
class Fixed:
    """Inputs written out in full (for example the lecture's data)."""

    values: tuple

    def make(self) -> tuple:
        return _copy_tree(self.values)


@dataclass(frozen=True)
class Seeded:
    """Inputs drawn from ``make(rng)`` with a generator seeded by ``seed``."""

    seed: int
    make_from: Callable[[np.random.Generator], tuple]

    def make(self) -> tuple:
        return tuple(self.make_from(np.random.default_rng(self.seed)))


def _copy_tree(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, tuple):
        return tuple(_copy_tree(v) for v in value)
    if isinstance(value, list):
        return [_copy_tree(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy_tree(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Program:
    """A composition of contract functions, run the same way on the student's
    functions and on the reference: ``fn(m, *inputs)`` where ``m`` exposes the
    contract functions as attributes. ``text`` is what the student is shown,
    e.g. ``"compute_gradient(X, predict(X, theta), y)"``.

    When grading, only the question's own function comes from the student and
    every other contract function from the reference (CURRICULUM: "each
    question is scored on its own function"). ``together`` names functions
    that must come from the same submission as the question's own, because
    they hand each other opaque values (``mlp_forward``'s cache for
    ``mlp_backward``)."""

    text: str
    fn: Callable[..., Any]
    together: tuple[str, ...] = ()


Call = str | Program


@dataclass(frozen=True)
class Case:
    """One graded test case."""

    name: str
    inputs: Fixed | Seeded
    check: Any  # a check object from autograder.checks.kinds
    points: float = 1.0
    hidden: bool = False

    @property
    def visibility(self) -> str:
        return "hidden" if self.hidden else "visible"


@dataclass(frozen=True)
class Question:
    """One contract function and the cases that grade it."""

    name: str
    cases: tuple[Case, ...]

    @property
    def points(self) -> float:
        return sum(case.points for case in self.cases)


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: replacing ``function`` in a correct notebook by
    ``source`` must lose points on the question ``targets``, and may lose
    points only where the rule of CURRICULUM allows (see
    ``scoring.isolation``) or where ``may_also_cost`` says, with a reason."""

    name: str
    function: str
    source: str
    targets: str
    may_also_cost: tuple[str, ...] = ()


@dataclass
class Assignment:
    """Everything the grader knows about one assignment.

    ``reference`` maps contract names to the reference implementations (the
    hidden solution); it is ``None`` in a student release, where only public
    cases with fixed expectations or self-consistency checks can run.
    """

    name: str
    contract: dict[str, tuple[str, ...]]  # function name -> argument names, in call order
    layout: str
    questions: list[Question]
    reference: dict[str, Callable] | None = None
    mistakes: list[Mistake] = field(default_factory=list)
    limits: dict[str, float] = field(default_factory=dict)
    returns: dict[str, tuple[str, ...]] = field(default_factory=dict)  # names of a tuple result's elements
    free_values: tuple[str, ...] = ()  # functions whose values the contract leaves free (only shapes graded)
    # reference results per case, computed once and reused for every submission
    expected_cache: dict = field(default_factory=dict, repr=False)

    def question(self, name: str) -> Question:
        for question in self.questions:
            if question.name == name:
                return question
        known = ", ".join(q.name for q in self.questions)
        raise KeyError(f"no question named {name!r} in {self.name} (questions: {known})")

    @property
    def points(self) -> float:
        return sum(q.points for q in self.questions)


def merge_questions(*case_lists: Sequence[tuple[str, Case]], order: Sequence[str]) -> list[Question]:
    """Group (question name, case) pairs from several files into questions in
    contract order. Public and hidden cases usually live in different files."""
    grouped: dict[str, list[Case]] = {name: [] for name in order}
    for pairs in case_lists:
        for question, case in pairs:
            if question not in grouped:
                raise KeyError(f"case {case.name!r} names unknown question {question!r}")
            grouped[question].append(case)
    return [Question(name, tuple(cases)) for name, cases in grouped.items() if cases]


class MistakeLibrary(list):
    """Collects typical wrong answers written as real functions:

        MISTAKES = MistakeLibrary()

        @MISTAKES.add("missing 1/N")
        def compute_gradient(X, y_hat, y):
            return X.T @ (y_hat - y)

    The function's source (without the decorator) replaces the correct one in
    a reference-filled notebook; ``targets`` defaults to the function's name.
    """

    def add(self, name: str, targets: str | None = None, may_also_cost: tuple[str, ...] = ()):
        def register(function):
            self.append(Mistake(name, function.__name__, function_source(function), targets or function.__name__,
                                tuple(may_also_cost)))
            return function

        return register

    def add_source(self, name: str, function: str, source: str) -> None:
        """A mistake no function can hold: a cell that does not even compile."""
        self.append(Mistake(name, function, source, function))


def function_source(function) -> str:
    """The source of a module-level function, without decorators."""
    import ast
    import inspect
    import textwrap

    lines, _ = inspect.getsourcelines(function)
    source = textwrap.dedent("".join(lines))
    node = ast.parse(source).body[0]
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    body_start = node.lineno - first
    return "\n".join(source.splitlines()[body_start:]) + "\n"
