"""Grade exports from the gradebook: one row per student, for an LMS.

Each student's row is their latest counted attempt (``SubmissionResult.counted``
where the gradebook keeps it, else the latest attempt of each submission), and
the score in it is what counts: the points earned less any late penalty.

- ``csv``: scores.csv's columns (per question, total, possible, error);
- ``json``: one object per student, with the penalty and its reason;
- ``canvas``: Canvas's gradebook import: ``Student``, ``ID``, ``SIS User ID``,
  ``SIS Login ID``, ``Section``, then one column for the assignment, named
  ``<assignment> (<Canvas assignment id>)`` so that Canvas updates that
  assignment (without an id, Canvas creates a new assignment of that name),
  and a ``Points Possible`` row under the header. Canvas matches rows by ``ID``,
  the Canvas user id its submission downloads carry in their file names;
  an identifier that is not a Canvas user id goes to ``SIS Login ID``;
- ``gradescope``: the columns of Gradescope's score export (``Name``, ``SID``,
  ``Email``, ``Total Score``, ``Max Points``, ``Status``, ``Submission Time``),
  then ``Late Penalty`` and one ``<question> (<points> pts)`` column per question.

Text cells go through ``safe.csv_cell`` (no formula a spreadsheet would run);
numbers are the grader's own.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from autograder.outputs.files import scores_csv
from autograder.outputs.gradebook import latest_scores
from autograder.outputs.safe import csv_cell, json_text
from autograder.scoring.results import SubmissionResult

FORMATS = ("csv", "json", "canvas", "gradescope")


class ExportError(Exception):
    """Nothing to export; the message says why."""


def counted_results(gradebook: Path, assignment: str) -> list[SubmissionResult]:
    """The latest counted attempt of every student of ``assignment``, by student.
    Raises ExportError if the gradebook has none."""
    chosen: dict[str, SubmissionResult] = {}
    for result in latest_scores(gradebook, assignment):
        if getattr(result, "counted", True) is False:
            continue
        student = _student(result)
        if student not in chosen or getattr(result, "attempt", 1) >= getattr(chosen[student], "attempt", 1):
            chosen[student] = result
    if not chosen:
        raise ExportError(f"nothing to export: {gradebook} has no graded attempt of {assignment}")
    return [chosen[student] for student in sorted(chosen)]


def export_text(results: list[SubmissionResult], assignment: str, questions: list[str], fmt: str,
                canvas_id: str = "") -> str:
    """The export of ``results`` in format ``fmt`` (one of FORMATS), as text."""
    if fmt == "csv":
        return scores_csv(results, questions)
    if fmt == "json":
        return json.dumps([_json_row(result, questions) for result in results], indent=2) + "\n"
    if fmt == "canvas":
        return canvas_csv(results, assignment, canvas_id)
    if fmt == "gradescope":
        return gradescope_csv(results, questions)
    raise ValueError(f"unknown export format {fmt!r}; formats: {', '.join(FORMATS)}")


def canvas_csv(results: list[SubmissionResult], assignment: str, canvas_id: str = "") -> str:
    """Canvas's gradebook import CSV (see the module's docstring)."""
    column = f"{assignment} ({canvas_id})" if canvas_id else assignment
    possible = max((result.possible for result in results), default=0.0)
    rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", csv_cell(column)],
            ["    Points Possible", "", "", "", "", f"{possible:g}"]]
    for result in results:
        student = _student(result)
        canvas_user = student.isdigit()
        names = (getattr(result, "student_name", "") or student, student if canvas_user else "", "",
                 "" if canvas_user else student, "")
        rows.append([*(csv_cell(name) for name in names), f"{_score(result):g}"])
    return _csv(rows)


def gradescope_csv(results: list[SubmissionResult], questions: list[str]) -> str:
    """Gradescope-style score CSV (see the module's docstring). Question
    columns are the points the tests earned; ``Total Score`` is after the penalty."""
    scores = [result.question_scores(questions) for result in results]
    possible = {q: max((s[q][1] for s in scores), default=0.0) for q in questions}
    rows = [["Name", "SID", "Email", "Total Score", "Max Points", "Status", "Submission Time", "Late Penalty",
             *(f"{q} ({possible[q]:g} pts)" for q in questions)]]
    for result, score in zip(results, scores):
        rows.append([csv_cell(getattr(result, "student_name", "") or _student(result)), csv_cell(_student(result)),
                     "", f"{_score(result):g}", f"{result.possible:g}", "Graded",
                     csv_cell(getattr(result, "submitted_at", "")), f"{_penalty_points(result):g}",
                     *(f"{score[q][0]:g}" for q in questions)])
    return _csv(rows)


def _json_row(result: SubmissionResult, questions: list[str]) -> dict:
    return {"student": json_text(_student(result)), "student_name": json_text(getattr(result, "student_name", "")),
            "submission": json_text(result.submission), "submitted_at": json_text(getattr(result, "submitted_at", "")),
            "attempt": getattr(result, "attempt", 1),
            "questions": {json_text(q): earned for q, (earned, _) in result.question_scores(questions).items()},
            "total": result.total, "late_penalty": getattr(result, "late_penalty", 0.0),
            "late_reason": json_text(getattr(result, "late_reason", "")), "penalty_points": _penalty_points(result),
            "score": _score(result), "possible": result.possible,
            "error": None if result.error is None else json_text(result.error)}


def _student(result: SubmissionResult) -> str:
    return str(getattr(result, "student", "") or result.submission)


def _penalty_points(result: SubmissionResult) -> float:
    return round(result.total - _score(result), 6)


def _score(result: SubmissionResult) -> float:
    """What counts: ``score`` where the result has one (after the late penalty), else the total."""
    return float(getattr(result, "score", result.total))


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()
