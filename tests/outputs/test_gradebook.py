"""The SQLite gradebook keeps every attempt; export takes the latest."""

import csv
import sqlite3

from click.testing import CliRunner

from autograder.cli import main
from autograder.outputs.gradebook import attempts, latest_scores, record
from autograder.scoring.results import CaseResult, SubmissionResult


def result(total: float) -> SubmissionResult:
    return SubmissionResult("alice", "logistic_regression", [
        CaseResult("sigmoid", "lecture values", total, 2.0, "" if total == 2 else "wrong", False),
        CaseResult("predict", "hidden sizes", 1.0, 1.0, "", True)])


def test_a_regrade_adds_an_attempt_and_never_overwrites(tmp_path):
    book = tmp_path / "book.sqlite"
    first, second = record(book, result(0.0), "aa"), record(book, result(2.0), "bb")
    assert [row[0] for row in attempts(book, "logistic_regression", "alice")] == [first, second]
    assert [row[2] for row in attempts(book, "logistic_regression", "alice")] == [1.0, 3.0]
    latest = latest_scores(book, "logistic_regression")
    assert [(r.submission, r.total, r.possible) for r in latest] == [("alice", 3.0, 3.0)]
    with sqlite3.connect(book) as connection:
        assert connection.execute("SELECT COUNT(*) FROM case_results").fetchone() == (4,)


def test_grade_records_attempts_and_export_writes_the_latest(filled_logistic, write_notebook, tmp_path):
    path = write_notebook(filled_logistic(), "bob")
    book = tmp_path / "book.sqlite"
    for _ in range(2):
        outcome = CliRunner().invoke(main, ["grade", "logistic_regression", str(path), "--out",
                                            str(tmp_path / "grades"), "--gradebook", str(book)])
        assert outcome.exit_code == 0, outcome.output
    assert len(attempts(book, "logistic_regression", "bob")) == 2
    exported = tmp_path / "latest.csv"
    outcome = CliRunner().invoke(main, ["export", str(book), "logistic_regression", "--out", str(exported)])
    assert outcome.exit_code == 0, outcome.output
    rows = list(csv.DictReader(exported.open()))
    assert [(r["submission"], r["total"], r["compute_gradient"]) for r in rows] == [("bob", "50", "6")]
