"""Run a notebook's code cells in a fresh sandboxed process, cell by cell.

A cell that raises or is interrupted after its time limit costs only what it
would have defined: the next cell runs as in Jupyter after an error or a
kernel interrupt. A cell that kills its process (os._exit, a crash, a hang
that ignores the interrupt) is recorded and the notebook is replayed from the
start without it, in a new process.
"""

from __future__ import annotations

from dataclasses import dataclass

from autograder.engine.session import Engine, Limits, ProcessLost, Run
from autograder.notebook.read import CodeCell
from autograder.notebook.transform import to_python


@dataclass
class CellReport:
    index: int
    status: str  # ok, error, syntax, timeout, killed, skipped
    message: str = ""


def execute_notebook(engine: Engine, cells: list[CodeCell], limits: Limits,
                     contract: frozenset[str] = frozenset()) -> tuple[Run, list[CellReport]]:
    """Run every cell; ``contract`` is the names the grader may use in its messages."""
    python = [(cell.index, to_python(cell.source)) for cell in cells]
    lost: dict[int, CellReport] = {}
    while True:
        run = engine.open(limits)
        run.contract = contract
        reports: list[CellReport] = []
        for index, source in python:
            if index in lost:
                reports.append(lost[index])
                continue
            if run.remaining() <= 0:
                reports.append(CellReport(index, "skipped", f"cell {index} was not run: total time limit "
                                                            f"({limits.total_timeout:g} s) reached."))
                continue
            try:
                reply = run.exec_cell(index, source)
            except ProcessLost as error:
                lost[index] = CellReport(index, "killed", _lost_message(index, str(error), limits))
                run.close()
                break
            reports.append(CellReport(index, str(reply.get("status", "error"))[:20],
                                      str(reply.get("message", ""))[:2000]))
        else:
            return run, reports


def _lost_message(index: int, reason: str, limits: Limits) -> str:
    if reason == "timeout":
        return (f"cell {index} ran past its time limit ({limits.cell_timeout:g} s) and ignored the interrupt; "
                "it was skipped.")
    return (f"cell {index} ended the notebook's process (os._exit, sys.exit in a thread, a crash or the "
            f"memory limit); it was skipped.")
