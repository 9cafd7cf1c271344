"""Grade one submitted notebook: read, run in the sandbox, check, score."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from autograder.engine.channel import ProcessLost
from autograder.engine.execute import execute_notebook
from autograder.engine.interface import Engine, EngineError, Limits
from autograder.messages import say
from autograder.notebook.read import NotebookError, read_notebook
from autograder.notebook.tampering import cells_touching_the_grader
from autograder.scoring.grade import grade_cases
from autograder.scoring.results import CaseResult, SubmissionResult
from autograder.spec import Assignment


def grade_notebook(assignment: Assignment, path: Path, engine: Engine, *, include_hidden: bool = True,
                   only: str | None = None, limits: Limits | None = None) -> SubmissionResult:
    """Grade the notebook at ``path`` with ``engine``: every case of
    ``assignment`` (only the public ones without ``include_hidden``; only
    question ``only`` if given), under ``limits`` (the assignment's by
    default). Never raises for a broken submission: a notebook that cannot
    be read or run gets zero points with the reason (``error``), and what
    went wrong while it ran is in ``notes``."""
    start = time.monotonic()
    result = SubmissionResult(submission=Path(path).stem, assignment=assignment.name)
    limits = limits or Limits.from_dict(assignment.limits)
    if engine.isolation.warning:
        result.notes.append(engine.isolation.warning)
    try:
        submitted = read_notebook(Path(path))
    except NotebookError as error:
        return zero_result(assignment, result, say("unreadable_notebook", reason=error), include_hidden, start)
    if submitted.assignment not in (None, assignment.name):
        return zero_result(assignment, result, say("other_assignment", found=submitted.assignment,
                                                   expected=assignment.name), include_hidden, start)
    cells = submitted.cells
    try:
        run, reports = execute_notebook(engine, cells, limits, frozenset(assignment.contract))
    except EngineError as error:
        return zero_result(assignment, result, say("sandbox_failed", reason=error), include_hidden, start)
    try:
        sources = {cell.index: cell.source for cell in cells}
        result.notes += [report.message for report in reports if report.message]
        try:
            defined = run.defined(list(assignment.contract))
        except ProcessLost:
            defined = {}
        ignored = defined.get("ignored") or []
        if ignored:
            result.notes.append(say("ignored_cells", items=", ".join(map(str, ignored[:10]))))
        missing = [name for name, where in (defined.get("names") or {}).items()
                   if not (isinstance(where, dict) and where.get("callable"))]
        if missing:
            result.notes.append(say("not_functions", names=", ".join(missing)))
        cut_short = any(report.status in ("timeout", "killed", "skipped") for report in reports)
        if missing and len(missing) == len(assignment.contract) and not cut_short:
            result.notes.insert(0, say("nothing_defined", assignment=assignment.name))

        def source_of(name: str) -> str | None:
            where = (defined.get("names") or {}).get(name) or {}
            cell = str(where.get("file") or "")
            if cell.startswith("<cell ") and cell[6:-1].isdigit():
                return sources.get(int(cell[6:-1]))
            return None

        tampered = tuple(cells_touching_the_grader(cells))
        if tampered:
            result.notes.append(say("cells_touch_grader", cells=", ".join(map(str, tampered))))
        result.cases = public_then_hidden(assignment, run, include_hidden=include_hidden, only=only,
                                          source_of=source_of, tampered=tampered, batch=engine.batch_calls)
        for name, where in run.stuck.items():
            if name in assignment.contract:
                failed = sum(1 for case in result.cases if case.question == name and not case.passed)
                result.notes.append(say("stuck_note", name=name, limit=limits.call_timeout, where=where,
                                        failed=failed))
    finally:
        run.close()
    result.notes += run.notes
    if run.tampered:
        result.notes.append(say("grader_changed"))
    result.seconds = time.monotonic() - start
    return result


def public_then_hidden(assignment: Assignment, run, *, include_hidden: bool, only: str | None,
                       **options) -> list[CaseResult]:
    """``grade_cases``, listed in the assignment's order, but every public case
    run before any hidden one. The student's process lives on between calls:
    what a function kept from a hidden test's inputs could otherwise come back
    in a later public test, whose messages show everything it returns or raises."""
    public = grade_cases(assignment, run, include_hidden=False, only=only, **options)
    if not include_hidden:
        return public
    hidden_only = dataclasses.replace(assignment, questions=[
        dataclasses.replace(q, cases=tuple(case for case in q.cases if case.hidden)) for q in assignment.questions])
    graded = frozenset(case.question for case in public)
    failed = frozenset(case.question for case in public if not case.passed)
    hidden = iter(grade_cases(hidden_only, run, include_hidden=True, only=only, graded_before=graded,
                              failed_before=failed, **options))
    public_results = iter(public)
    questions = [assignment.question(only)] if only else assignment.questions
    return [next(hidden) if case.hidden else next(public_results) for q in questions for case in q.cases]


def zero_result(assignment: Assignment, result: SubmissionResult, reason: str, include_hidden: bool = True,
                start: float | None = None) -> SubmissionResult:
    """Zero points on every case, with the reason: the row still exists."""
    result.error = reason
    result.cases = [CaseResult(q.name, case.name, 0.0, case.points, reason, case.hidden)
                    for q in assignment.questions for case in q.cases if include_hidden or not case.hidden]
    result.seconds = time.monotonic() - start if start is not None else 0.0
    return result
