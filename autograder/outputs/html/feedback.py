"""One feedback page per submission: what a student reads after grading.

The page shows the score, each question and each case; for a failed public
case its message (what was expected, what came back, where); for a hidden
case only its message, which the checks build without hidden values; the
limits the notebook ran into; and for each failed public derivative check a
picture of the student's entries against central differences. It is written next to the
submission's results.json as ``feedback.html``, and can be rebuilt later from
results.json alone (without the pictures, which results.json does not keep).
"""

from __future__ import annotations

import json
from pathlib import Path, PurePath
from typing import Callable

from autograder.outputs.html.pages import render, write_page
from autograder.outputs.html.plots import derivative_picture
from autograder.outputs.html.records import SubmissionRecord, from_result, from_results_json, read_output_folder
from autograder.outputs.safe import submission_folder
from autograder.scoring.results import SubmissionResult
from autograder.spec import Assignment

PAGE_NAME = "feedback.html"


def render_feedback(record: SubmissionRecord) -> str:
    """The page of one submission, as HTML text."""
    questions = []
    for name, (earned, possible) in record.questions.items():
        # A picture where a derivative check failed: where it passed, every dot would lie on the line.
        cases = [{"case": case, "picture": derivative_picture(case.derivative)
                  if case.derivative and not case.passed else None} for case in record.cases if case.question == name]
        questions.append({"name": name, "earned": earned, "possible": possible, "cases": cases,
                          "passed": sum(c["case"].passed for c in cases)})
    fraction = record.score / record.possible if record.possible > 0 else 0.0
    limits = record.limits_hit
    return render("feedback.html", record=record, questions=questions, fraction=min(max(fraction, 0.0), 1.0),
                  facts=facts(record), limits=limits, other_notes=[note for note in record.notes if note not in limits])


def facts(record: SubmissionRecord) -> list[tuple[str, str]]:
    """What the page says about the submission itself, as (label, text) rows."""
    about = record.about
    rows = [("student", record.student)]
    if about.get("source"):  # the grader's path to the file: its name is what the student knows
        rows.append(("file", PurePath(str(about["source"]).replace("!", "/")).name))
    if about.get("submitted_at"):
        rows.append(("submitted", str(about["submitted_at"])))
    if about.get("attempt") not in (None, "", 1) or about.get("counted") is False:
        counted = "counts" if about.get("counted", True) else "does not count: a later submission does"
        rows.append(("attempt", f"{about.get('attempt', '?')}, {counted}"))
    if record.late_penalty > 0 or about.get("late_reason"):
        penalty = f"-{record.total - record.score:g} points ({record.late_penalty:.0%} of {record.total:g})" \
            if record.late_penalty > 0 else "no penalty"
        rows.append(("late", f"{about.get('late_reason') or 'late'}: {penalty}"))
    if about.get("public_only"):
        rows.append(("tests", "public tests only: the hidden tests did not run"))
    return rows


def write_feedback_page(result: SubmissionResult, assignment: Assignment, path: Path) -> None:
    """Write the feedback page of a freshly graded ``result`` to ``path``
    (usually ``<out>/<label>/feedback.html``), with pictures for its public
    derivative checks."""
    record = from_result(result, [q.name for q in assignment.questions])
    write_page(Path(path), render_feedback(record))


def write_feedback_pages(results: list[SubmissionResult], assignment: Assignment, out_dir: Path,
                         since: float) -> list[str]:
    """After a batch: the page of every result whose results.json this run
    wrote (modified at or after ``since``, a ``time.time()``); for a result
    an earlier run wrote (``--resume``), its page is rebuilt from results.json
    only if it is missing. Returns one problem per page that could not be
    written (the others are still written)."""
    problems = []
    for result in results:
        try:
            folder = submission_folder(out_dir, result.submission)
            written = (folder / "results.json").stat().st_mtime
            if written >= since:
                write_feedback_page(result, assignment, folder / PAGE_NAME)
            elif not (folder / PAGE_NAME).exists():
                _rebuild(folder, lambda name: assignment if name == assignment.name else None)
        except (OSError, ValueError, KeyError, TypeError) as error:
            problems.append(f"{result.submission}: feedback page not written: {type(error).__name__}: {error}")
    return problems


def rebuild_feedback_pages(out_dir: Path, assignment_for: Callable[[str], Assignment | None]) -> list[Path]:
    """(Re)write ``feedback.html`` beside every ``<label>/results.json`` in
    ``out_dir`` and return the pages written. ``assignment_for(name)`` gives
    an assignment (or None) for per-case points. Raises ValueError if a
    results.json cannot be read, naming it."""
    pages = []
    for folder, record in read_output_folder(out_dir, assignment_for):
        write_page(folder / PAGE_NAME, render_feedback(record))
        pages.append(folder / PAGE_NAME)
    return pages


def _rebuild(folder: Path, assignment_for: Callable[[str], Assignment | None]) -> None:
    data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    name = str((data.get("extra_data") or {}).get("assignment", ""))
    write_page(folder / PAGE_NAME, render_feedback(from_results_json(data, assignment_for(name))))
