"""The gradebook: a SQLite file that keeps every grading attempt.

A regrade adds an attempt and never overwrites one, so an instructor can see
how a submission's score changed and why. Every submission a run grades is an
attempt, whether it counts (the student's latest) or not. Within one run
(``start_run``; ``--resume`` continues the run it interrupted) a file with the
same content is recorded once, so a killed and resumed run leaves no
duplicates. ``latest_scores`` gives the counted attempt of every student in
their most recent run, which is what ``autograder export`` writes.
Text is stored as ``safe.json_text`` (no lone surrogates, which SQLite cannot
encode, no control characters); values are always bound, never spliced into SQL.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
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
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    assignment TEXT NOT NULL,
    out_dir TEXT NOT NULL,
    started_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_by_submission ON attempts(assignment, submission);
"""
# Columns added since the first gradebooks; an older file gets them with these defaults.
ADDED_COLUMNS = {
    "run": "TEXT NOT NULL DEFAULT ''",
    "student": "TEXT NOT NULL DEFAULT ''",
    "student_name": "TEXT NOT NULL DEFAULT ''",
    "source": "TEXT NOT NULL DEFAULT ''",
    "submitted_at": "TEXT NOT NULL DEFAULT ''",
    "attempt": "INTEGER NOT NULL DEFAULT 1",
    "counted": "INTEGER NOT NULL DEFAULT 1",
    "late_penalty": "REAL NOT NULL DEFAULT 0",
    "late_reason": "TEXT NOT NULL DEFAULT ''",
    "score": "REAL",
    "public_only": "INTEGER NOT NULL DEFAULT 0",
}
_INFO = ("student", "student_name", "source", "submitted_at", "attempt", "counted", "late_penalty", "late_reason",
         "public_only")


def _connect(path: Path) -> sqlite3.Connection:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=30)
    connection.executescript(SCHEMA)
    present = {row[1] for row in connection.execute("PRAGMA table_info(attempts)")}
    for column, declaration in ADDED_COLUMNS.items():
        if column not in present:
            connection.execute(f"ALTER TABLE attempts ADD COLUMN {column} {declaration}")
    connection.execute("CREATE INDEX IF NOT EXISTS attempts_by_run ON attempts(run, source, sha256)")
    connection.commit()
    return connection


def start_run(path: Path, assignment: str, out_dir: Path | None, resume: bool = False) -> str:
    """A run id for grading ``assignment`` into ``out_dir``: with ``resume``,
    the latest run into the same folder (if any), so what it recorded is not
    recorded again; else a new one."""
    folder = json_text(os.path.abspath(out_dir)) if out_dir is not None else ""
    with closing(_connect(path)) as connection, connection:
        if resume:
            row = connection.execute("SELECT id FROM runs WHERE assignment = ? AND out_dir = ? "
                                     "ORDER BY started_at DESC, rowid DESC LIMIT 1",
                                     (json_text(assignment), folder)).fetchone()
            if row:
                return row[0]
        run = uuid.uuid4().hex
        connection.execute("INSERT INTO runs VALUES (?, ?, ?, ?)",
                           (run, json_text(assignment), folder, _now()))
    return run


def record(path: Path, result: SubmissionResult, digest: str = "", run: str = "") -> int:
    """Add one attempt (in one transaction: all of it or nothing); return its
    id. Within a ``run``, an attempt already recorded for the same source and
    digest is not added again (its id is returned)."""
    with closing(_connect(path)) as connection, connection:
        if run:
            row = connection.execute("SELECT id FROM attempts WHERE run = ? AND source = ? AND sha256 = ?",
                                     (run, json_text(result.source), json_text(digest))).fetchone()
            if row:
                return row[0]
        cursor = connection.execute(
            "INSERT INTO attempts (assignment, submission, sha256, graded_at, total, possible, error, run, student, "
            "student_name, source, submitted_at, attempt, counted, late_penalty, late_reason, score, public_only) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (json_text(result.assignment), json_text(result.submission), json_text(digest), _now(), result.total,
             result.possible, None if result.error is None else json_text(result.error), run,
             json_text(result.student), json_text(result.student_name), json_text(result.source),
             json_text(result.submitted_at), int(result.attempt), int(result.counted), float(result.late_penalty),
             json_text(result.late_reason), result.score, int(result.public_only)))
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


def all_attempts(path: Path, assignment: str) -> list[SubmissionResult]:
    """Every attempt of an assignment, oldest first, with its fields (not its cases)."""
    with closing(_connect(path)) as connection:
        return [_result(connection, row, assignment, with_cases=False) for row in connection.execute(
            f"SELECT id, submission, error, run, {', '.join(_INFO)} FROM attempts WHERE assignment = ? ORDER BY id",
            (assignment,))]


def latest_scores(path: Path, assignment: str) -> list[SubmissionResult]:
    """What counts for every student of an assignment: the counted attempts of
    the student's most recent run (one, unless two files of that run have the
    same student name in different folders), each file once (its latest
    attempt), ordered by label. Attempts recorded before students were
    stored are their own student. The results have their cases and every
    field of ``SubmissionResult``; ``score`` has the late penalty applied."""
    with closing(_connect(path)) as connection:
        rows = connection.execute(
            f"SELECT id, submission, error, run, {', '.join(_INFO)} FROM attempts "
            "WHERE assignment = ? AND counted = 1 ORDER BY id", (assignment,)).fetchall()
        latest_run: dict[str, str] = {}
        for row in rows:
            latest_run[row[4] or row[1]] = row[3]
        chosen: dict[tuple, tuple] = {}
        for row in rows:
            student, run = row[4] or row[1], row[3]
            if run == latest_run[student]:
                chosen[(student, row[6] or row[1])] = row  # later attempts of the same file replace earlier ones
        results = [_result(connection, row, assignment) for row in chosen.values()]
    return sorted(results, key=lambda result: result.submission)


def _result(connection: sqlite3.Connection, row: tuple, assignment: str, with_cases: bool = True) -> SubmissionResult:
    attempt, submission, error, _run, *info = row
    fields = dict(zip(_INFO, info))
    cases = [CaseResult(q, n, p, m, msg, bool(h)) for q, n, p, m, msg, h in connection.execute(
        "SELECT question, name, points, max_points, message, hidden FROM case_results WHERE attempt = ?",
        (attempt,))] if with_cases else []
    return SubmissionResult(submission, assignment, cases, error=error, student=fields["student"] or submission,
                            student_name=fields["student_name"], source=fields["source"],
                            submitted_at=fields["submitted_at"], attempt=fields["attempt"],
                            counted=bool(fields["counted"]), late_penalty=fields["late_penalty"],
                            late_reason=fields["late_reason"], public_only=bool(fields["public_only"]))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")
