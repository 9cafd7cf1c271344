"""Assignments, questions and test cases, declared as data.

An assignment is a list of questions, one per contract function. A question
is a list of cases. A case says what to call, on which inputs, which check to
apply, how many points it is worth and whether students may see it.

Inputs are either fixed values or made from a stored seed, so grading the same
submission twice gives the same score. Checks live in ``autograder.checks``;
the spec only names them and their tolerances.
"""

from __future__ import annotations

import ast
import builtins
import copy as copy_module
import functools
import hashlib
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from autograder.tree import tree_map

if TYPE_CHECKING:  # mistakes import function_source from here
    from autograder.mistake_library import Mistake


@dataclass(frozen=True, init=False)
class Fixed:
    """Inputs written out in full (for example the lecture's data), in call
    order: ``Fixed((X, y, theta))``, or named, ``Fixed(X=X, y=y, theta=theta)``
    (a Program in the case needs the names)."""

    values: tuple
    names: tuple[str, ...]

    def __init__(self, values: tuple | None = None, /, **named):
        if values is not None and named:
            raise ValueError("Fixed takes a tuple of values or named values, not both")
        object.__setattr__(self, "values", tuple(named.values()) if values is None else tuple(values))
        object.__setattr__(self, "names", tuple(named))

    def make(self) -> tuple:
        return _copy_tree(self.values)


@dataclass(frozen=True)
class Seeded:
    """Inputs drawn by ``make_from(rng)``, in call order, from a generator
    seeded by ``seed``. Without a seed, the question and case name give one
    when the case is loaded (``merge_questions``), so renaming or moving a
    case changes its inputs and adding one changes no other. ``names`` name
    the inputs for a Program in the case."""

    make_from: Callable[[np.random.Generator], tuple]
    names: tuple[str, ...] = ()
    seed: int | None = None

    def make(self) -> tuple:
        if self.seed is None:
            raise ValueError("a Seeded input without a seed: load its case with merge_questions")
        return tuple(self.make_from(np.random.default_rng(self.seed)))


def stable_seed(question: str, case: str) -> int:
    """A seed made from the question and case name: the same on every machine
    and Python run (unlike ``hash()``), 0 <= seed < 2**63."""
    digest = hashlib.sha256(f"{question}\n{case}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def _copy_tree(value: Any) -> Any:
    """A copy of every array in the tree ``value`` (``autograder.tree``): each case gets inputs of its own."""
    return tree_map(lambda leaf: leaf.copy() if isinstance(leaf, np.ndarray) else leaf, value)


@dataclass(frozen=True)
class Program:
    """A composition of contract functions, run the same way on the student's
    functions and on the reference. ``text`` is what the student is shown and,
    without ``fn``, what runs: a Python expression such as
    ``"compute_gradient(X, predict(X, theta), y)"``, evaluated with the case's
    inputs bound to their names (``Fixed(X=...)``, ``Seeded(..., names=...)``),
    ``np`` (NumPy) and ``logistic`` (the ``HELPERS``) to themselves, and every
    other name to a contract function of the implementation being run.
    ``fn(m, *inputs)`` (``m`` exposes the contract functions as attributes) is
    for what one expression cannot say; then ``text`` only describes it.

    When grading, only the question's own function comes from the student and
    every other contract function from the reference (CURRICULUM: "each
    question is scored on its own function"). ``together`` names functions
    that must come from the same submission as the question's own, because
    they hand each other opaque values (``mlp_forward``'s cache for
    ``mlp_backward``)."""

    text: str
    fn: Callable[..., Any] | None = field(default=None, compare=False)
    together: tuple[str, ...] = ()
    names: tuple[str, ...] = ()  # the inputs' names, bound from the case (text Programs)

    def __post_init__(self):
        if self.fn is None:
            object.__setattr__(self, "fn", self._evaluate)
            self.free_names  # a text that is not an expression fails here, when the tests are loaded

    @property
    def free_names(self) -> frozenset[str]:
        """Names the text uses that it does not bind itself (inputs and contract functions)."""
        return self._unbound_names - set(HELPERS)

    @property
    def helpers(self) -> frozenset[str]:
        """The names of ``HELPERS`` the text uses."""
        return self._unbound_names & set(HELPERS)

    @property
    def _unbound_names(self) -> frozenset[str]:
        return _unbound_names(self.text)

    def bound(self, names: Sequence[str]) -> "Program":
        """This Program with its inputs named ``names`` (a text Program's inputs come by position)."""
        return Program(self.text, None, self.together, tuple(names))

    def _evaluate(self, m, *inputs):
        if len(inputs) != len(self.names):
            raise ValueError(f"Program {self.text!r} got {len(inputs)} inputs for names {self.names}")
        scope = {**HELPERS, **{name: getattr(m, name) for name in self.free_names - set(self.names)}}
        scope.update(zip(self.names, inputs))
        return eval(_compiled(self.text), scope)


def logistic(z):
    """The logistic function 1 / (1 + exp(-z)), elementwise, written with tanh
    so that no z overflows. ``z``: a number or an array; same shape back."""
    return 0.5 * (1 + np.tanh(np.asarray(z) / 2))


# What a Program's text may name besides its inputs, contract functions and Python's builtins: the
# standard functions a course's formulas use that are not contract functions of every assignment.
HELPERS = {"np": np, "logistic": logistic}


@functools.lru_cache(maxsize=None)
def _unbound_names(text: str) -> frozenset[str]:
    """Names a Program's ``text`` uses without binding them (builtins aside).
    ValueError if the text is not a Python expression."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        raise ValueError(f"Program {text!r} is not a Python expression ({error.msg}); "
                         "give fn= to run something else") from None
    loaded = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    bound |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.Lambda) for a in n.args.args}
    return frozenset(loaded - bound - set(dir(builtins)))


@functools.lru_cache(maxsize=None)
def _compiled(text: str):
    return compile(text, "<program>", "eval")


Call = str | Program


@dataclass(frozen=True)
class Case:
    """One graded test case."""

    name: str
    inputs: Fixed | Seeded
    check: Any  # a check object from autograder.checks.kinds
    points: float = 1.0
    hidden: bool = False

    def __post_init__(self):
        object.__setattr__(self, "check", _bind_programs(self.check, getattr(self.inputs, "names", ()), self.name))

    @property
    def visibility(self) -> str:
        return "hidden" if self.hidden else "visible"


def programs_in(check) -> list[Program]:
    """Every Program a check (or checks nested in it) runs."""
    found = []
    for value in _parts(check):
        if isinstance(value, Program):
            found.append(value)
        elif hasattr(value, "run"):
            found += programs_in(value)
    return found


def _parts(check) -> list:
    values = []
    for value in (vars(check).values() if hasattr(check, "__dict__") else ()):
        values += list(value) if isinstance(value, (tuple, list)) else [value]
    return values


def _bind_programs(check, names: tuple[str, ...], case: str):
    """A copy of ``check`` whose text Programs know the case's input names."""
    def bind(value):
        if isinstance(value, Program):
            if value.fn != value._evaluate or value.names:
                return value
            if not names:
                raise ValueError(f"case {case!r}: the Program {value.text!r} needs named inputs: "
                                 "Fixed(X=..., ...) or Seeded(..., names=(...))")
            return value.bound(names)
        if isinstance(value, (tuple, list)):
            return type(value)(bind(v) for v in value)
        return _bind_programs(value, names, case) if hasattr(value, "run") else value

    if not hasattr(check, "__dict__"):
        return check
    changed = {key: bind(value) for key, value in vars(check).items()}
    if all(changed[key] is value for key, value in vars(check).items()):
        return check
    copy = copy_module.copy(check)
    for key, value in changed.items():
        object.__setattr__(copy, key, value)
    return copy


@dataclass(frozen=True)
class Question:
    """One contract function and the cases that grade it."""

    name: str
    cases: tuple[Case, ...]

    @property
    def points(self) -> float:
        return sum(case.points for case in self.cases)


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
    contract order. Public and hidden cases usually live in different files.
    A Seeded input without a seed gets ``stable_seed(question, case name)``.

    Raises ValueError for a case of an unknown question, two cases of one
    question with the same name (results and expected values are kept by
    name), a text Program naming neither an input nor a contract function,
    or a helper that is also a contract function (which one it means would be unclear)."""
    grouped: dict[str, list[Case]] = {name: [] for name in order}
    for pairs in case_lists:
        for question, case in pairs:
            if question not in grouped:
                raise ValueError(f"case {case.name!r} names unknown question {question!r}")
            if any(other.name == case.name for other in grouped[question]):
                raise ValueError(f"{question}: two cases are named {case.name!r}; give each case its own name")
            for program in programs_in(case.check):
                unknown = sorted(program.free_names - set(program.names) - set(order)) if program.names else []
                if unknown:
                    raise ValueError(f"{question}: case {case.name!r}: the Program {program.text!r} uses "
                                     f"{', '.join(unknown)}, neither an input nor a contract function")
                if program.names and (clash := sorted(program.helpers & set(order))):
                    raise ValueError(f"{question}: case {case.name!r}: the Program {program.text!r} uses "
                                     f"{', '.join(clash)}, both a helper and a contract function")
            if isinstance(case.inputs, Seeded) and case.inputs.seed is None:
                case = replace(case, inputs=replace(case.inputs, seed=stable_seed(question, case.name)))
            grouped[question].append(case)
    return [Question(name, tuple(cases)) for name, cases in grouped.items() if cases]


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
