"""Known mistakes: typical wrong answers, each an edit of the reference
function (or, where no edit can say it, a whole function). ``validate``
grades the reference-filled notebook with each one in place and checks it
costs points where it should and nowhere else (``scoring.isolation``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

from autograder.spec import function_source


class MistakeDrift(ValueError):
    """A mistake's edit no longer fits the reference function it edits."""


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer in ``function``: replacing it in a correct
    notebook must lose points on the question ``targets``, and may lose points
    only where the rule of CURRICULUM allows (see ``scoring.isolation``) or
    where ``may_also_cost`` says, with a reason.

    The wrong function is either an edit of the reference function (the text
    ``replaces``, which must occur in it exactly once, replaced by ``by``, and
    as many further (text, replacement) pairs in ``also`` where the mistake
    changes more than one place; the texts may not overlap) or written out
    whole (``whole``). ``reference`` is the reference function's source, bound
    when the assignment is loaded."""

    name: str
    function: str
    targets: str
    may_also_cost: tuple[str, ...] = ()
    whole: str | None = None
    replaces: str | None = None
    by: str = ""
    also: tuple[tuple[str, str], ...] = ()
    reference: str | None = field(default=None, repr=False)

    @property
    def edits(self) -> tuple[tuple[str, str], ...]:
        """Every (text, replacement) pair of an edit; () for a whole function."""
        return () if self.whole is not None else ((self.replaces, self.by), *self.also)

    def drift(self) -> str | None:
        """Why the edit cannot be made on the reference (None if it can, or if it is a whole function)."""
        if self.whole is not None:
            return None
        if self.reference is None:
            return f"no reference function {self.function} to edit"
        for text, _ in self.edits:
            found = self.reference.count(text)
            if found != 1:
                return f"the text {text!r} occurs {found} times in the reference {self.function}, not exactly once"
        spans = sorted((self.reference.index(text), self.reference.index(text) + len(text), text)
                       for text, _ in self.edits)
        for (_, end, first), (start, _, second) in zip(spans, spans[1:]):
            if start < end:
                return f"the texts {first!r} and {second!r} overlap in the reference {self.function}"
        return None

    @property
    def source(self) -> str:
        """The wrong function's source. Raises MistakeDrift if the edit does not fit the reference."""
        if self.whole is not None:
            return self.whole
        if problem := self.drift():
            raise MistakeDrift(f"mistake {self.name!r}: {problem}")
        source = self.reference
        # from the last place to the first, so that each edit finds its text where the reference has it
        for text, replacement in sorted(self.edits, key=lambda pair: -self.reference.index(pair[0])):
            start = self.reference.index(text)
            source = source[:start] + replacement + source[start + len(text):]
        return source


class MistakeLibrary(list):
    """Collects typical wrong answers. Most are small edits of the reference
    function, checked against it when validated::

        MISTAKES = MistakeLibrary()
        MISTAKES.edit("missing 1/N", "compute_gradient", " / X.shape[0]", "")

    One that changes several places gives the further (text, replacement)
    pairs in ``also``::

        MISTAKES.edit("y - y_hat in both gradients", "gradients",
                      "dw = (y_hat - y)", "dw = (y - y_hat)", also=[("db = (y_hat - y)", "db = (y - y_hat)")])

    A wrong answer no edit can say is written out as a real function, whose
    source (without the decorator) replaces the correct one::

        @MISTAKES.add("gradient hard-coded to the lecture's numbers")
        def compute_gradient(X, y_hat, y):
            return np.array([0.2702, 0.2431, -0.0195])

    ``targets`` defaults to the function's name.
    """

    def edit(self, name: str, function: str, replaces: str, by: str, *, also: Sequence[tuple[str, str]] = (),
             targets: str | None = None, may_also_cost: tuple[str, ...] = ()) -> None:
        """The reference ``function`` with the text ``replaces`` (exactly once in it) replaced by ``by``,
        and each further (text, replacement) pair of ``also`` made the same way."""
        self.append(Mistake(name, function, targets or function, tuple(may_also_cost), replaces=replaces, by=by,
                            also=tuple((text, replacement) for text, replacement in also)))

    def add(self, name: str, targets: str | None = None, may_also_cost: tuple[str, ...] = ()):
        def register(function):
            self.append(Mistake(name, function.__name__, targets or function.__name__, tuple(may_also_cost),
                                whole=function_source(function)))
            return function

        return register

    def add_source(self, name: str, function: str, source: str) -> None:
        """A mistake no function can hold: a cell that does not even compile."""
        self.append(Mistake(name, function, function, whole=source))

    def bound(self, reference: dict[str, Callable] | None) -> list[Mistake]:
        """The mistakes, each edit knowing the source of the reference function it edits."""
        return [replace(m, reference=function_source(reference[m.function]))
                if m.whole is None and reference and m.function in reference else m for m in self]
