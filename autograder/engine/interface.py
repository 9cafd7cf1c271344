"""What grading asks of an engine, whichever one runs the notebook: the
sandbox (``session.Engine``) or a Jupyter kernel (``kernel.KernelEngine``).

``Engine`` and ``Run`` are protocols: both engines conform to them (checked
with mypy by tests/test_types.py), and the code that grades
(``execute``, ``scoring``) uses nothing else of an engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from autograder.engine.calls import CallResult
from autograder.engine.sandbox import Isolation


@dataclass
class Limits:
    """A submission's limits: seconds per cell, per call and in total (wall
    clock); memory in MB (address space on top of what the process had
    before any student code); processes of the student's uid; size in MB of
    any one file it writes."""

    cell_timeout: float = 10.0
    call_timeout: float = 10.0
    total_timeout: float = 120.0
    memory_mb: int = 1024
    processes: int = 64
    file_mb: int = 16

    @classmethod
    def from_dict(cls, values: dict) -> "Limits":
        """Limits from an assignment's ``LIMITS``; unknown keys are ignored."""
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})


class EngineError(Exception):
    """The engine itself failed (not the student's code)."""


class Run(Protocol):
    """One submission's notebook, running: its cells, then calls of its functions."""

    limits: Limits
    started: float  # time.monotonic() when the submission's total time began
    contract: frozenset[str]  # names the grader may say in its messages
    stuck: dict[str, str]  # functions that ran past the call limit once -> where
    notes: list[str]  # what the grader itself found wrong while it ran
    tampered: bool  # the grader's code in the notebook's process was changed

    def remaining(self) -> float:
        """Seconds left of the submission's total time limit (negative once past it)."""
        ...

    def exec_cell(self, index: int, source: str) -> dict:
        """Run one cell (Python source, IPython's transforms applied): a report
        {status, message, ...}. ProcessLost if the cell killed or hung its process."""
        ...

    def defined(self, names: list[str]) -> dict:
        """Where each of ``names`` is defined: {"names": {name: {callable, file}}, "ignored": [...]}."""
        ...

    def call(self, name: str, args: tuple, *, keep_args: bool = False) -> CallResult:
        """Call the notebook's ``name`` on ``args``; a failure is a CallResult with an error."""
        ...

    def call_many(self, requests: list[tuple[str, tuple]]) -> list[CallResult]:
        """Several calls in one round trip, answered in order."""
        ...

    def call_twice(self, name: str, args: tuple) -> tuple[CallResult, CallResult]:
        """``name`` on ``args``, then again on the very same argument objects."""
        ...

    def close(self) -> None:
        """Stop the notebook's processes; a Run is not used again."""
        ...


class Engine(Protocol):
    """Opens a Run per submission; used as a context manager, closed once."""

    isolation: Isolation  # what this engine seals, and the warning to print when it is not a sandbox
    run_all_cells: bool  # run every cell, even those no graded function depends on
    batch_calls: bool  # send the first calls of a submission's cases in one round trip (scoring.prefetch)

    def open(self, limits: Limits) -> Run:
        """A fresh notebook process for one submission. EngineError if the engine cannot give one."""
        ...

    def close(self) -> None:
        """Stop everything the engine started."""
        ...

    def __enter__(self) -> Engine:
        ...

    def __exit__(self, *exc: object) -> None:
        ...
