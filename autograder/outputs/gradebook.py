"""The gradebook: a SQLite file that keeps every grading attempt.

A regrade adds an attempt and never overwrites one, so an instructor can see
how a submission's score changed and why. ``latest_scores`` gives the most
recent attempt per submission, which is what ``autograder export`` writes.
Text is stored as ``safe.json_text`` (no lone surrogates, which SQLite cannot
encode, no control characters); values are always bound, never spliced into SQL.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

from autograder.outputs.safe import json_text
from autograder.scoring.results import CaseResult, SubmissionResult

SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY,
    assignment TEXT NOT NULL,
    submission TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    graded_at TEXT NOT NULL,
    total REAL NOT NULL,
    possible REAL NOT NULL,
    error TEXT
);
CREATE TABLE IF NOT EXISTS case_results (
    attempt INTEGER NOT NULL REFERENCES attempts(id),
    question TEXT NOT NULL,
    name TEXT NOT NULL,
    points REAL NOT NULL,
    max_points REAL NOT NULL,
    message TEXT NOT NULL,
    hidden INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_by_submission ON attempts(assignment, submission);
"""


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=30)
    connection.executescript(SCHEMA)
    return connection


def record(path: Path, result: SubmissionResult, digest: str = "") -> int:
    """Add one attempt (in one transaction: all of it or nothing); return its id."""
    with closing(_connect(path)) as connection, connection:
        cursor = connection.execute(
            "INSERT INTO attempts (assignment, submission, sha256, graded_at, total, possible, error) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (json_text(result.assignment), json_text(result.submission), json_text(digest),
             datetime.now(timezone.utc).isoformat(timespec="seconds"), result.total, result.possible,
             None if result.error is None else json_text(result.error)))
        attempt = cursor.lastrowid
        connection.executemany(
            "INSERT INTO case_results VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(attempt, json_text(c.question), json_text(c.name), c.points, c.max_points, json_text(c.message),
              int(c.hidden)) for c in result.cases])
    return attempt


def attempts(path: Path, assignment: str, submission: str) -> list[tuple[int, str, float, float]]:
    """(id, graded_at, total, possible) of every attempt, oldest first."""
    with closing(_connect(path)) as connection:
        return connection.execute(
            "SELECT id, graded_at, total, possible FROM attempts WHERE assignment = ? AND submission = ? "
            "ORDER BY id", (assignment, submission)).fetchall()


def latest_scores(path: Path, assignment: str) -> list[SubmissionResult]:
    """The most recent attempt of every submission of an assignment."""
    with closing(_connect(path)) as connection:
        rows = connection.execute(
            "SELECT id, submission, error FROM attempts WHERE id IN "
            "(SELECT MAX(id) FROM attempts WHERE assignment = ? GROUP BY submission) ORDER BY submission",
            (assignment,)).fetchall()
        results = []
        for attempt, submission, error in rows:
            cases = [CaseResult(q, n, p, m, msg, bool(h)) for q, n, p, m, msg, h in connection.execute(
                "SELECT question, name, points, max_points, message, hidden FROM case_results WHERE attempt = ?",
                (attempt,))]
            results.append(SubmissionResult(submission, assignment, cases, error=error))
    return results
