"""Grade exports for an LMS: Canvas's import CSV, a Gradescope-style CSV, JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from autograder.cli import main
from autograder.outputs.exports import ExportError, counted_results, export_text
from autograder.outputs.gradebook import record
from autograder.scoring.results import CaseResult, SubmissionResult

QUESTIONS = ["sigmoid", "predict"]


def result(label, sigmoid, predict, **about) -> SubmissionResult:
    return SubmissionResult(label, "logistic_regression", [
        CaseResult("sigmoid", "values", sigmoid, 4.0, "", False),
        CaseResult("predict", "hidden sizes", predict, 6.0, "", True)], **about)


CLASS = [result("ann", 4, 6, student="1234", student_name="lovelaceada", submitted_at="2026-03-02T10:00:00+00:00",
                late_penalty=0.25, late_reason="1 day late"),
         result("mallory", 0, 6, student="=HYPERLINK(\"http://x\")", student_name="@SUM(A1)"),
         result("carol", 4, 0, student="carol")]


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_canvas_csv_is_canvas_import_format_with_the_penalty_applied():
    table = rows(export_text(CLASS, "logistic_regression", QUESTIONS, "canvas", canvas_id="98765"))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "logistic_regression (98765)"]
    assert table[1] == ["    Points Possible", "", "", "", "", "10"]
    ann, mallory, carol = table[2:]
    assert ann == ["lovelaceada", "1234", "", "", "", "7.5"]  # 10 earned, a quarter off for one day late
    assert carol == ["carol", "", "", "carol", "", "4"]  # not a Canvas user id: the login id column
    assert not any(cell.startswith(tuple("=+-@")) for cell in mallory) and mallory[0] == "'@SUM(A1)" and mallory[-1] == "6"
    assert rows(export_text(CLASS, "logistic_regression", QUESTIONS, "canvas"))[0][-1] == "logistic_regression"


def test_gradescope_csv_has_its_columns_and_per_question_points():
    table = rows(export_text(CLASS, "logistic_regression", QUESTIONS, "gradescope"))
    assert table[0] == ["Name", "SID", "Email", "Total Score", "Max Points", "Status", "Submission Time",
                        "Late Penalty", "sigmoid (4 pts)", "predict (6 pts)"]
    ann = dict(zip(table[0], table[1]))
    assert (ann["SID"], ann["Total Score"], ann["Max Points"], ann["Late Penalty"]) == ("1234", "7.5", "10", "2.5")
    assert (ann["sigmoid (4 pts)"], ann["predict (6 pts)"]) == ("4", "6")
    assert ann["Submission Time"] == "2026-03-02T10:00:00+00:00"
    assert not any(cell.startswith(tuple("=+-@")) for cell in table[2])


def test_json_export_keeps_the_penalty_and_its_reason():
    data = json.loads(export_text(CLASS, "logistic_regression", QUESTIONS, "json"))
    ann = data[0]
    assert (ann["total"], ann["late_penalty"], ann["penalty_points"], ann["score"]) == (10.0, 0.25, 2.5, 7.5)
    assert ann["late_reason"] == "1 day late" and ann["questions"] == {"sigmoid": 4.0, "predict": 6.0}


def test_the_latest_attempt_of_each_student_counts(tmp_path):
    book = tmp_path / "book.sqlite"
    record(book, result("ann", 0, 0, student="1234"), "d1")
    record(book, result("ann", 4, 6, student="1234"), "d2")
    record(book, result("bob", 4, 0, student="77"), "d3")
    chosen = counted_results(book, "logistic_regression")
    assert [(r.submission, r.total) for r in chosen] == [("ann", 10.0), ("bob", 4.0)]
    with pytest.raises(ExportError, match="nothing to export"):
        counted_results(book, "jacobians")


@pytest.mark.parametrize("fmt", ["csv", "json", "canvas", "gradescope"])
def test_export_command_writes_every_format(tmp_path, fmt):
    book = tmp_path / "book.sqlite"
    record(book, result("ann", 4, 6, student="1234"), "d1")
    out = tmp_path / f"grades.{fmt}"
    outcome = CliRunner().invoke(main, ["export", str(book), "logistic_regression", "--format", fmt,
                                        "--out", str(out)])
    assert outcome.exit_code == 0, outcome.output
    text = out.read_text(encoding="utf-8")
    assert "10" in text and ("ann" in text or "1234" in text)


def test_export_of_an_empty_gradebook_says_so_and_fails(tmp_path):
    book = tmp_path / "book.sqlite"
    record(book, result("ann", 4, 6), "d1")
    outcome = CliRunner().invoke(main, ["export", str(book), "jacobians", "--format", "canvas",
                                        "--out", str(tmp_path / "x.csv")])
    assert outcome.exit_code != 0 and "nothing to export" in outcome.output
    assert not (tmp_path / "x.csv").exists()
