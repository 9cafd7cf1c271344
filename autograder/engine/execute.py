"""Run a notebook's code cells in a fresh sandboxed process, cell by cell.

A cell that raises or is interrupted after its time limit costs only what it
would have defined: the next cell runs as in Jupyter after an error or a
kernel interrupt. A cell that kills its process (os._exit, a crash, a hang
that ignores the interrupt) is recorded and the notebook is replayed from the
start without it, in a new process: at most MAX_REPLAYS times, all within
the submission's one total time limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from autograder.engine.channel import ProcessLost
from autograder.engine.interface import Engine, Limits, Run
from autograder.messages import say
from autograder.notebook.read import CodeCell
from autograder.notebook.relevance import unneeded_cells
from autograder.notebook.transform import to_python

# Each replay runs every earlier cell again. Five cells that end the process
# are more than any honest notebook has (one is a mistake, two are rare); past
# that the notebook is not replayed again, and its later cells are not run.
MAX_REPLAYS = 5
STATUSES = ("ok", "error", "syntax", "timeout")  # what a cell's process may report; anything else is "error"


@dataclass
class CellReport:
    """What became of one cell, in the grader's words (``message``)."""

    index: int
    status: str  # ok, error, syntax, timeout, killed, skipped, unneeded (nothing graded depends on it)
    message: str = ""


def execute_notebook(engine: Engine, cells: list[CodeCell], limits: Limits,
                     contract: frozenset[str] = frozenset()) -> tuple[Run, list[CellReport]]:
    """Run every cell that grading ``contract`` (the graded names) may depend on
    (``relevance``); every cell when ``contract`` is empty or the engine's
    ``run_all_cells`` is set. Returns the last run (open: the caller closes
    it) and one report per cell, in order. EngineError if the engine cannot
    open a run."""
    python = [(cell.index, to_python(cell.source)) for cell in cells]
    run_all = engine.run_all_cells or not contract
    unneeded = frozenset() if run_all else unneeded_cells(python, contract)
    lost: dict[int, CellReport] = {}
    started: float | None = None  # one total time limit for the submission, whatever is replayed
    stop: int | None = None  # with no replay left: the position of the last cell that ended the process
    replays = 0
    notes: list[str] = []  # the grader's own findings, kept across replays
    while True:
        run = engine.open(limits)
        run.contract = contract
        run.notes = notes
        if started is None:
            started = run.started
        run.started = started
        reports: list[CellReport] = []
        for position, (index, source) in enumerate(python):
            if index in unneeded:
                reports.append(CellReport(index, "unneeded"))
                continue
            if index in lost:
                reports.append(lost[index])
                continue
            if stop is not None and position >= stop:
                reports.append(CellReport(index, "skipped", say("cell_after_replays", index=index, lost=len(lost),
                                                                replays=MAX_REPLAYS)))
                continue
            if run.remaining() <= 0:
                reports.append(CellReport(index, "skipped", say("cell_total_time_reached", index=index,
                                                                total=limits.total_timeout)))
                continue
            try:
                reply = run.exec_cell(index, source)
            except ProcessLost as error:
                lost[index] = CellReport(index, "killed", _lost_message(index, str(error), limits))
                run.close()
                if replays == MAX_REPLAYS:  # the last replay lost a cell that ran before: nothing to replay
                    stop = position
                    reports.append(lost[index])
                    reports += [lost.get(i) or CellReport(i, "skipped", say("cell_replayed_enough", index=i,
                                                                            replays=MAX_REPLAYS))
                                for i, _ in python[position + 1:]]
                    return run, reports
                replays += 1
                if replays == MAX_REPLAYS:
                    stop = position  # the last replay runs the cells before this one, and no more
                break
            status = reply.get("status")
            reports.append(CellReport(index, status if status in STATUSES else "error", _text(reply.get("message"))))
        else:
            return run, reports


def _text(value, most: int = 2000) -> str:
    return value[:most] if isinstance(value, str) else ""


def _lost_message(index: int, reason: str, limits: Limits) -> str:
    if reason == "timeout":
        return say("cell_hung", index=index, limit=limits.cell_timeout)
    return say("cell_ended", index=index)
