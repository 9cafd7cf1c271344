"""The SQLite gradebook keeps every attempt; export takes the latest."""

import csv
import sqlite3

from click.testing import CliRunner

from autograder.cli import main
from autograder.outputs.gradebook import all_attempts, attempts, latest_scores, record, start_run
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


def attempt(source: str, student: str, total: float, counted: bool = True, number: int = 1) -> SubmissionResult:
    return SubmissionResult(source.rsplit("/", 1)[-1], "logistic_regression",
                            [CaseResult("sigmoid", "lecture values", total, 2.0, "", False)], student=student,
                            source=source, attempt=number, counted=counted, late_penalty=0.5,
                            late_reason="2 days late")


def test_a_resumed_run_records_nothing_twice_and_a_new_run_adds(tmp_path):
    book, out = tmp_path / "book.sqlite", tmp_path / "grades"
    run = start_run(book, "logistic_regression", out)
    first = record(book, attempt("/dl/a.ipynb", "5001", 1.0, counted=False), "d1", run)
    record(book, attempt("/dl/b.ipynb", "5001", 2.0, number=2), "d2", run)
    resumed = start_run(book, "logistic_regression", out, resume=True)
    assert resumed == run
    assert record(book, attempt("/dl/a.ipynb", "5001", 1.0, counted=False), "d1", resumed) == first
    assert len(all_attempts(book, "logistic_regression")) == 2
    assert start_run(book, "logistic_regression", out) != run  # a regrade without --resume is a new run
    assert start_run(book, "logistic_regression", tmp_path / "elsewhere", resume=True) != run


def test_latest_scores_are_each_students_counted_attempt_of_their_latest_run(tmp_path):
    book = tmp_path / "book.sqlite"
    old = start_run(book, "logistic_regression", tmp_path / "g")
    record(book, attempt("/dl/a.ipynb", "5001", 0.0), "d0", old)
    new = start_run(book, "logistic_regression", tmp_path / "g")
    record(book, attempt("/dl/a.ipynb", "5001", 1.0, counted=False), "d1", new)
    record(book, attempt("/dl/b.ipynb", "5001", 2.0, number=2), "d2", new)
    record(book, attempt("/dl/c.ipynb", "5002", 2.0), "d3", new)
    latest = latest_scores(book, "logistic_regression")
    assert [(r.student, r.source, r.total, r.score, r.attempt) for r in latest] == [
        ("5001", "/dl/b.ipynb", 2.0, 1.0, 2), ("5002", "/dl/c.ipynb", 2.0, 1.0, 1)]
    assert latest[0].late_reason == "2 days late" and latest[0].cases[0].name == "lecture values"
    assert [(r.attempt, r.counted) for r in all_attempts(book, "logistic_regression")] == [
        (1, True), (1, False), (2, True), (1, True)]


def test_an_older_gradebook_gets_the_new_columns(tmp_path):
    book = tmp_path / "old.sqlite"
    with sqlite3.connect(book) as connection:
        connection.executescript("CREATE TABLE attempts (id INTEGER PRIMARY KEY, assignment TEXT NOT NULL, "
                                 "submission TEXT NOT NULL, sha256 TEXT NOT NULL, graded_at TEXT NOT NULL, "
                                 "total REAL NOT NULL, possible REAL NOT NULL, error TEXT);"
                                 "INSERT INTO attempts VALUES (1, 'logistic_regression', 'zoe', '', '', 3, 3, NULL);")
    record(book, result(2.0), "bb")
    assert [(r.submission, r.student, r.counted) for r in latest_scores(book, "logistic_regression")] == [
        ("alice", "alice", True), ("zoe", "zoe", True)]
