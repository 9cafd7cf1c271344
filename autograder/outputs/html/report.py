"""The class report: one page that shows an instructor how a class did.

Made from an output folder (its ``<label>/results.json`` files) or from a
gradebook (the latest attempt of every submission): the score histogram,
pass rates per question and per case, the most common failure message of each
question (where the class went wrong), the submissions that hit a limit or
could not be graded, and the slowest ones. Only counted submissions are in it
(a student's earlier submissions are not).
"""

from __future__ import annotations

import sqlite3
import statistics
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Callable

from autograder.outputs.gradebook import latest_scores
from autograder.outputs.html.pages import render, write_page
from autograder.outputs.html.plots import pass_rate_bars, score_histogram
from autograder.outputs.html.records import SubmissionRecord, from_result, read_output_folder
from autograder.outputs.safe import one_line
from autograder.spec import Assignment

SLOWEST = 10


class ReportError(Exception):
    """Nothing to report, or a source that cannot be read; the message says which."""


def records_from_source(source: Path, assignment: str | None = None,
                        assignment_for: Callable[[str], Assignment | None] = lambda name: None
                        ) -> tuple[str, list[SubmissionRecord]]:
    """``(assignment name, counted records)`` from an output folder or a
    gradebook file. A gradebook holding several assignments needs
    ``assignment``. Raises ReportError when there is nothing to report."""
    source = Path(source)
    if source.is_dir():
        try:
            records = [record for _, record in read_output_folder(source, assignment_for)]
        except ValueError as error:
            raise ReportError(str(error)) from None
        names = sorted({record.assignment for record in records})
        if assignment is None and len(names) > 1:
            raise ReportError(f"{source} holds results of several assignments ({', '.join(names)}): name one")
        name = assignment or (names[0] if names else "")
        records = [record for record in records if record.assignment == name]
    elif source.is_file():
        name = assignment or _only_assignment(source)
        spec = assignment_for(name)
        results = latest_scores(source, name)
        questions = [q.name for q in spec.questions] if spec else list(dict.fromkeys(
            case.question for result in results for case in result.cases))
        records = [from_result(result, questions) for result in results]
    else:
        raise ReportError(f"{source} is neither an output folder nor a gradebook")
    records = [record for record in records if record.about.get("counted", True) is not False]
    if not records:
        raise ReportError(f"nothing to report: no graded submission of {name or 'any assignment'} in {source}")
    return name, records


def _only_assignment(gradebook: Path) -> str:
    try:
        with closing(sqlite3.connect(f"{gradebook.resolve().as_uri()}?mode=ro", uri=True)) as connection:
            names = [row[0] for row in connection.execute("SELECT DISTINCT assignment FROM attempts ORDER BY 1")]
    except sqlite3.Error as error:
        raise ReportError(f"{gradebook} is not a gradebook: {error}") from None
    if len(names) != 1:
        raise ReportError(f"{gradebook} holds {len(names)} assignments ({', '.join(names)}): name one"
                          if names else f"nothing to report: {gradebook} holds no attempt")
    return names[0]


def render_report(assignment: str, records: list[SubmissionRecord]) -> str:
    """The report page as HTML text (``records`` not empty)."""
    questions = list(dict.fromkeys(q for record in records for q in record.questions))
    possible = max(record.possible for record in records)
    scores = [record.score for record in records]
    question_rows = [_question_row(name, records) for name in questions]
    case_rows = _case_rows(records)
    limits = [(record, record.limits_hit) for record in records if record.limits_hit]
    timed = sorted((r for r in records if r.seconds is not None), key=lambda r: r.seconds, reverse=True)
    return render(
        "report.html", assignment=assignment, count=len(records), possible=possible,
        mean=statistics.fmean(scores), median=statistics.median(scores),
        full=sum(score >= possible > 0 for score in scores),
        late=sum(record.late_penalty > 0 for record in records),
        histogram=score_histogram(scores, possible),
        question_chart=pass_rate_bars([row["name"] for row in question_rows],
                                      [row["full_rate"] for row in question_rows], "full marks"),
        case_chart=pass_rate_bars([f"{row['question']}: {row['name']}" for row in case_rows],
                                  [row["rate"] for row in case_rows]) if case_rows else None,
        questions=question_rows, cases=case_rows, limits=limits,
        errors=[record for record in records if record.error], slowest=timed[:SLOWEST])


def _question_row(name: str, records: list[SubmissionRecord]) -> dict:
    earned = [record.questions.get(name, (0.0, 0.0)) for record in records]
    possible = max(p for _, p in earned)
    # Each submission counts a message once; those that could not be graded are listed on their own.
    failures = Counter(message for record in records if not record.error for message in {
        one_line(case.message.splitlines()[0], 300) for case in record.cases
        if case.question == name and not case.passed and case.message.strip()})
    common = failures.most_common(1)
    return {"name": name, "possible": possible, "mean": statistics.fmean(e for e, _ in earned),
            "full_rate": sum(e >= p > 0 for e, p in earned) / len(earned),
            "zero": sum(e == 0 for e, _ in earned),
            "common": common[0][0] if common else "", "common_count": common[0][1] if common else 0}


def _case_rows(records: list[SubmissionRecord]) -> list[dict]:
    passed: Counter = Counter()
    seen: Counter = Counter()
    hidden = {}
    for record in records:
        for case in record.cases:
            key = (case.question, case.name)
            seen[key] += 1
            passed[key] += case.passed
            hidden[key] = case.hidden
    return [{"question": q, "name": n, "hidden": hidden[(q, n)], "passed": passed[(q, n)], "seen": seen[(q, n)],
             "rate": passed[(q, n)] / seen[(q, n)]} for q, n in seen]


def write_report(assignment: str, records: list[SubmissionRecord], out: Path) -> None:
    """Write the report page to ``out`` (atomically)."""
    write_page(Path(out), render_report(assignment, records))
