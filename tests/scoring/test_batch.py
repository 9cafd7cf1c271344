"""A batch writes each result the moment it is known; LMS downloads graded
whole, killed with SIGKILL in the middle and resumed, end with one row per
student, the right late penalties and every attempt once in the gradebook."""

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.course import notebook_path
from autograder.intake.collect import collect
from autograder.notebook.build import filled_notebook, mistaken_notebook
from autograder.scoring.batch import grade_batch
from autograder.scoring.submission import grade_notebook

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = "logistic_regression"
BROKEN = b'{"cells": [ this is not json'


def test_scores_csv_holds_every_result_as_soon_as_it_is_known(logistic, filled_logistic, write_notebook, tmp_path):
    """Its row (whole, under the header), its results.json and its feedback page."""
    paths = [write_notebook(filled_logistic(), name) for name in ("one", "two", "three")]
    paths.append(tmp_path / "four.ipynb")
    paths[-1].write_bytes(BROKEN)
    out = tmp_path / "grades"
    seen = []

    def check_written(result):
        rows = complete_rows(out / "scores.csv")
        seen.append((result.submission, result.submission in [r["submission"] for r in rows],
                     (out / result.submission / "results.json").exists(),
                     f"{result.score:g} / {result.possible:g}" in (out / result.submission / "feedback.html").read_text()))

    grade_batch(logistic, paths, out, jobs=2, on_result=check_written)
    assert sorted(seen) == [(name, True, True, True) for name in ("four", "one", "three", "two")]
    assert [row["submission"] for row in complete_rows(out / "scores.csv")] == ["one", "two", "three", "four"]


def complete_rows(path: Path) -> list[dict]:
    """scores.csv as a colleague reading it now would: the header first, then
    rows that each end in a newline and have every column."""
    text = path.read_bytes().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["submission", "student"] and rows[0][-1] == "error", text[:200]
    assert text.endswith("\r\n") and all(len(row) == len(rows[0]) for row in rows), text[-300:]
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_resume_repairs_scores_csv(logistic, filled_logistic, write_notebook, tmp_path):
    """A torn last line and the row of an attempt a later one supersedes are
    gone; what the killed run finished is kept, not graded again."""
    subs, out = tmp_path / "subs", tmp_path / "grades"
    (subs / "ann").mkdir(parents=True)
    (subs / "bob").mkdir()
    nbformat.write(filled_logistic(), subs / "ann" / "hw.ipynb")
    (subs / "bob" / "hw.ipynb").write_bytes(BROKEN)
    grade_batch(logistic, out_dir=out, found=collect([subs], tmp_path).found)
    assert [(r["student"], r["total"]) for r in complete_rows(out / "scores.csv")] == [("ann", "50"), ("bob", "0")]
    with (out / "scores.csv").open("ab") as scores:  # killed while writing a row
        scores.write(b"carl,carl,,/subs/carl/hw.ipynb,,1,0.5")
    (subs / "ann" / "hw-again.ipynb").write_bytes(BROKEN)  # ann submits again, later
    later = (subs / "ann" / "hw.ipynb").stat().st_mtime + 60
    os.utime(subs / "ann" / "hw-again.ipynb", (later, later))
    results = grade_batch(logistic, out_dir=out, found=collect([subs], tmp_path).found, resume=True)
    rows = complete_rows(out / "scores.csv")
    assert [(r["student"], r["attempt"], r["total"]) for r in rows] == [("ann", "2", "0"), ("bob", "1", "0")]
    assert rows[0]["source"].endswith("hw-again.ipynb")
    assert sorted((r.student, r.attempt, r.counted) for r in results) == [("ann", 1, False), ("ann", 2, True),
                                                                            ("bob", 1, True)]
    assert [r.notes for r in results if r.student == "bob"] == [["graded in an earlier run"]]


def test_a_killed_batch_keeps_whole_rows_and_pages_and_resumes(variants, tmp_path):
    """SIGKILLed mid-batch: every row is whole and has its results.json and
    page; --resume ends with one row per submission."""
    subs, out = tmp_path / "subs", tmp_path / "grades"
    subs.mkdir()
    names = [f"s{number}" for number in range(8)]
    for name in names:
        (subs / f"{name}.ipynb").write_bytes(variants["correct"])
    run_grader([str(subs), "--out", str(out), "-j", "2"], kill_after_rows=2)
    rows = complete_rows(out / "scores.csv")
    assert 2 <= len(rows) < len(names)
    for row in rows:
        assert json.loads((out / row["submission"] / "results.json").read_text())["score"] == 50
        assert "50 / 50" in (out / row["submission"] / "feedback.html").read_text()
    finished = run_grader([str(subs), "--out", str(out), "-j", "2", "--resume"])
    assert finished.returncode == 0, finished.stderr[-3000:]
    rows = complete_rows(out / "scores.csv")
    assert [row["submission"] for row in rows] == names and {row["total"] for row in rows} == {"50"}
    assert all((out / name / "feedback.html").is_file() for name in names)


# --- generated LMS downloads ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def variants(logistic):
    """name -> notebook bytes: the reference-filled notebook, each known mistake
    that does not hang, and a file that is not JSON."""
    student = notebook_path(ASSIGNMENT, ROOT)
    made = {"correct": nbformat.writes(filled_notebook(logistic, student)).encode()}
    for number, mistake in enumerate(logistic.mistakes):
        if "hang" not in mistake.name and "while True" not in mistake.name:
            made[f"mistake-{number}"] = nbformat.writes(mistaken_notebook(logistic, student, mistake)).encode()
    made["broken"] = BROKEN
    return made


@pytest.fixture(scope="module")
def raw_totals(logistic, variants, engine, tmp_path_factory):
    """The points each variant earns graded alone, outside any batch."""
    folder = tmp_path_factory.mktemp("variants")
    totals = {}
    for name, data in variants.items():
        (folder / f"{name}.ipynb").write_bytes(data)
        totals[name] = grade_notebook(logistic, folder / f"{name}.ipynb", engine).total
    assert totals["correct"] == 50 and totals["broken"] == 0 and len({t for t in totals.values()}) > 5
    return totals


def run_grader(arguments: list[str], kill_after_rows: int | None = None) -> subprocess.CompletedProcess | None:
    """``autograder grade ...`` in its own process; with ``kill_after_rows``,
    SIGKILLed as soon as scores.csv has that many rows."""
    command = [sys.executable, "-m", "autograder.cli", "grade", ASSIGNMENT, *arguments]
    environment = dict(os.environ, AUTOGRADER_COURSE=str(ROOT), COLUMNS="200")
    if kill_after_rows is None:
        return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=900)
    out = Path(arguments[arguments.index("--out") + 1])
    grader = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while len(rows_of(out / "scores.csv")) < kill_after_rows:
            assert grader.poll() is None, grader.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, "the grader wrote too few rows"
            time.sleep(0.05)
        grader.send_signal(signal.SIGKILL)
        grader.wait(timeout=30)
    finally:
        try:  # whatever it had started goes with it
            os.killpg(grader.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        grader.wait()
    return None


def rows_of(path: Path) -> list[dict]:
    try:
        return list(csv.DictReader(path.open(newline="", encoding="utf-8")))
    except OSError:
        return []


def attempts_in(book: Path) -> list[tuple]:
    with sqlite3.connect(book) as connection:
        return connection.execute("SELECT source, student, attempt, counted, total, late_penalty, score "
                                  "FROM attempts ORDER BY id").fetchall()


def assert_finished_like_one_run(out: Path, book: Path, expected: dict, files: dict, killed_rows: int):
    """scores.csv: exactly the expected row per student; the gradebook: every
    file once; no temporary file left."""
    rows = rows_of(out / "scores.csv")
    assert len(rows) == len(expected) > killed_rows
    by_student = {row["student"]: row for row in rows}
    assert len(by_student) == len(rows)
    wrong = {student: (row["total"], row["late_penalty"], expected[student], row["error"])
             for student, row in by_student.items()
             if (float(row["total"]), float(row["late_penalty"])) != expected[student][:2]
             or row["source"] != expected[student][2]}
    assert not wrong, list(wrong.items())[:5]
    for row in rows:
        data = json.loads((out / row["submission"] / "results.json").read_text())
        assert data["score"] == float(row["total"]) and data["extra_data"]["student"] == row["student"]
        assert f"{data['score']:g} / " in (out / row["submission"] / "feedback.html").read_text()
        assert data["extra_data"]["source"] == row["source"] and data["extra_data"]["counted"] is True
        if float(row["late_penalty"]):
            assert row["late_reason"] and data["extra_data"]["late_reason"] == row["late_reason"]
            assert "late: " in data["output"]
    recorded = attempts_in(book)
    sources = [source for source, *_ in recorded]
    assert sorted(sources) == sorted(files) and len(set(sources)) == len(sources)  # every attempt, once
    for source, student, attempt, counted, total, penalty, score in recorded:
        assert (student, attempt, bool(counted)) == files[source], source
        assert score == pytest.approx(total * (1 - penalty))
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.slow
def test_a_canvas_zip_of_300_submissions_killed_and_resumed(variants, raw_totals, tmp_path):
    """260 students, 40 of whom resubmitted, every 7th late (Canvas's LATE
    flag: one day's 10%), every 13th last attempt broken, mistakes of every
    kind, and the litter a download carries."""
    names = [name for name in variants if name != "broken"]
    archive = tmp_path / "submissions.zip"
    expected, files = {}, {}
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for number in range(260):
            user, late = str(40000 + number), number % 7 == 3
            uploads = [names[(number * 5 + 1) % len(names)]] if number < 40 else []  # the first try
            uploads.append("broken" if number % 13 == 5 else names[number % len(names)])
            flag = "LATE_" if late else ""
            for resubmission, variant in enumerate(uploads):
                suffix = f"-{resubmission}" if resubmission else ""
                member = f"student{number:03d}_{flag}{user}_{900000 + number}_logistic_regression{suffix}.ipynb"
                zipped.writestr(member, variants[variant])
                source = f"{archive}!{member}"
                files[source] = (user, resubmission + 1, resubmission == len(uploads) - 1)
            penalty = 0.1 if late else 0.0
            expected[user] = (round(raw_totals[uploads[-1]] * (1 - penalty), 6),
                              round(raw_totals[uploads[-1]] * penalty, 6), source)
        for litter in (".DS_Store", "__MACOSX/._student000_40000_900000_logistic_regression.ipynb",
                       "student001_40001_900001_helpers.py", "student002_40002_900002_notes.pdf"):
            zipped.writestr(litter, b"not a submission")
    assert len(files) == 300
    out, book = tmp_path / "grades", tmp_path / "book.sqlite"
    arguments = [str(archive), "--out", str(out), "--gradebook", str(book), "-j", "2",
                 "--due", "2026-12-01T23:59Z", "--late-policy", "10%/day, max 50%"]
    start = time.monotonic()
    run_grader(arguments, kill_after_rows=80)
    killed_rows = len(complete_rows(out / "scores.csv"))
    assert killed_rows < len(expected)
    finished = run_grader([*arguments, "--resume"])
    assert finished.returncode == 0, finished.stderr[-3000:]
    print(f"300 Canvas submissions, killed at {killed_rows} rows and resumed: {time.monotonic() - start:.0f} s")
    assert_finished_like_one_run(out, book, expected, files, killed_rows)
    skipped = rows_of(out / "skipped.csv")
    assert sorted(row["source"].split("!")[1] for row in skipped) == sorted([
        ".DS_Store", "__MACOSX/._student000_40000_900000_logistic_regression.ipynb",
        "student001_40001_900001_helpers.py", "student002_40002_900002_notes.pdf"])
    broken = [row for row in rows_of(out / "scores.csv") if row["error"]]
    assert len(broken) == 20 and all("JSON" in row["error"] and row["total"] == "0" for row in broken)
    assert "not counted" in finished.stdout and "skipped" in finished.stdout
    assert_week_ends_with_a_report_and_a_canvas_csv(out, book, expected)


def assert_week_ends_with_a_report_and_a_canvas_csv(out: Path, book: Path, expected: dict) -> None:
    """The class report from the output folder, and Canvas's import CSV from
    the gradebook: one row per student, with the counted attempt's score
    after its late penalty."""
    environment = dict(os.environ, AUTOGRADER_COURSE=str(ROOT))
    cli = [sys.executable, "-m", "autograder.cli"]
    report = out.parent / "report.html"
    made = subprocess.run([*cli, "report", str(out), "--out", str(report)], env=environment, capture_output=True,
                          text=True, timeout=300)
    assert made.returncode == 0, made.stderr[-2000:]
    assert f"<p>{len(expected)} submissions; median" in report.read_text()  # counted attempts only
    canvas = out.parent / "canvas.csv"
    made = subprocess.run([*cli, "export", str(book), ASSIGNMENT, "--format", "canvas", "--canvas-id", "77",
                           "--out", str(canvas)], env=environment, capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr[-2000:]
    header, points, *students = list(csv.reader(io.StringIO(canvas.read_text())))
    assert header[:2] == ["Student", "ID"] and header[-1] == f"{ASSIGNMENT} (77)" and "Points Possible" in points[0]
    assert {row[1]: float(row[-1]) for row in students} == {user: total for user, (total, _, _) in expected.items()}


GRADESCOPE_DUE = "2026-12-01T23:59Z"
# minutes after the due date -> the fraction deducted (10%/day, max 30%, 15 min grace, cutoff after 3 days)
LATENESS = {-600: 0.0, 0: 0.0, 10: 0.0, 16: 0.1, 60 * 24: 0.1, 60 * 25: 0.2, 60 * 49: 0.3, 60 * 71: 0.3,
            60 * 73: 1.0}


@pytest.mark.slow
def test_a_gradescope_export_of_20_submissions_killed_and_resumed(variants, raw_totals, tmp_path):
    names = [name for name in variants if name != "broken"] + ["broken"]
    export = tmp_path / "download" / "assignment_4242_export"
    metadata, expected, files = [], {}, {}
    offsets = list(LATENESS)
    for number in range(20):
        folder = export / f"submission_{7000 + number}"
        folder.mkdir(parents=True)
        variant = names[(number * 3) % len(names)]
        (folder / "logistic_regression.ipynb").write_bytes(variants[variant])
        (folder / ".DS_Store").write_bytes(b"x")
        minutes = offsets[number % len(offsets)]
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(1796169540 + 60 * minutes))  # the due date + minutes
        sid = f"{900 + number}"
        metadata.append(f"submission_{7000 + number}:\n  :submitters:\n  - :name: Student {number}\n"
                        f"    :sid: '{sid}'\n    :email: s{number}@example.edu\n"
                        f"  :created_at: {when}.000000000 +0000\n  :score: 12.0\n  :status: processed\n")
        source = str(folder / "logistic_regression.ipynb")
        files[source] = (sid, 1, True)
        penalty = LATENESS[minutes]
        expected[sid] = (round(raw_totals[variant] * (1 - penalty), 6), round(raw_totals[variant] * penalty, 6),
                         source)
    (export / "submission_metadata.yml").write_text("".join(metadata))
    out, book = tmp_path / "grades", tmp_path / "book.sqlite"
    arguments = [str(tmp_path / "download"), "--out", str(out), "--gradebook", str(book), "-j", "2",
                 "--due", GRADESCOPE_DUE, "--late-policy", "10%/day, max 30%", "--grace", "15m",
                 "--cutoff", "2026-12-04T23:59Z"]
    run_grader(arguments, kill_after_rows=6)
    killed_rows = len(rows_of(out / "scores.csv"))
    finished = run_grader([*arguments, "--resume"])
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert_finished_like_one_run(out, book, expected, files, killed_rows)
    rows = {row["student"]: row for row in rows_of(out / "scores.csv")}
    assert rows["900"]["name"] == "Student 0" and rows["900"]["submitted_at"].startswith("2026-12-01T13:59")
    assert "after the cutoff" in rows[str(900 + offsets.index(60 * 73))]["late_reason"]
    assert "grace" in rows[str(900 + offsets.index(10))]["late_reason"]
    assert len(rows_of(out / "skipped.csv")) == 21  # 20 .DS_Store and the metadata file
