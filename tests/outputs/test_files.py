"""scores.csv, results.json, the gradebook and labels, fed hostile strings."""

import csv
import io
import json
import sqlite3
import stat
import subprocess
import sys

import pytest
from click.testing import CliRunner

from autograder.cli import main
from autograder.outputs.files import (ScoresFile, earlier_result, file_digest, gradescope_results, remove_temporary,
                                      scores_csv, write_atomic, write_submission)
from autograder.outputs.gradebook import latest_scores, record
from autograder.outputs.safe import is_safe_label, source_id
from autograder.scoring.batch import label_submissions
from autograder.scoring.results import CaseResult, SubmissionResult

QUESTIONS = ["sigmoid", "predict"]
NASTY = "=cmd|' /C calc'!A0; -2+3\x1b[31m\u202e\udcff\x00 [/]"


def nasty_result(label: str = "alice", error: str | None = NASTY) -> SubmissionResult:
    return SubmissionResult(label, "logistic_regression", [
        CaseResult("sigmoid", "lecture [/] values", 1.0, 2.0, "=1+1\n@SUM(A1)\x1b]0;t\x07 \udcff", False),
        CaseResult("predict", "hidden sizes", 1.0, 1.0, "", True)], error=error, notes=["+note\x1b[2J"])


def test_scores_csv_text_cells_are_neutralised_and_numbers_kept():
    text = scores_csv([nasty_result("-1"), nasty_result("@bob", None)], QUESTIONS)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["submission", "student", "name", "source", "submitted_at", "attempt", "sigmoid", "predict",
                       "points", "late_penalty", "late_reason", "tests", "total", "possible", "error"]
    assert [row[0] for row in rows[1:]] == ["'-1", "'@bob"]
    assert rows[1][6:9] == ["1", "1", "2"] and rows[1][12:14] == ["2", "3"]
    error = rows[1][14]
    assert error.startswith("'=cmd") and ";' -2+3" in error
    assert all(piece.lstrip()[:1] not in "=+-@" for piece in error.split(";"))
    assert not any(c in text for c in "\x1b\u202e\x00\ufffe") and "\udcff" not in text
    text.encode("utf-8")
    assert len(text.splitlines()) == 3


def test_results_json_is_plain_json_and_records_the_source(tmp_path):
    write_submission(tmp_path, nasty_result(), QUESTIONS, "d1", "/subs/alice.ipynb")
    raw = (tmp_path / "alice" / "results.json").read_bytes()
    raw.decode("ascii")
    data = json.loads(raw)
    assert data["extra_data"]["source"] == "/subs/alice.ipynb" and data["extra_data"]["submission"] == "alice"
    everything = json.dumps(data, ensure_ascii=False)
    assert not any(c in everything for c in "\x1b\u202e\x00\x07") and "\udcff" not in everything
    assert "[/]" in data["tests"][0]["output"] and data["extra_data"]["error"].startswith("=cmd")  # JSON is not a spreadsheet
    assert gradescope_results(nasty_result(error=None), QUESTIONS)["extra_data"]["error"] is None


@pytest.mark.parametrize("label", ["..", "../x", "/tmp/x", "scores.csv", "results.json", ".x", "a/b"])
def test_results_json_is_never_written_outside_its_folder(tmp_path, label):
    out = tmp_path / "out"
    with pytest.raises(ValueError):
        write_submission(out, nasty_result(label), QUESTIONS, "d", "/x")
    assert not list(tmp_path.rglob("results.json"))
    assert earlier_result(out, label, "logistic_regression", "d", "/x") is None


def test_an_earlier_result_is_taken_only_for_the_same_file_with_the_same_content(tmp_path):
    out = tmp_path / "out"
    write_submission(out, nasty_result("bob~0123456789", None), QUESTIONS, "digest-1", "/a/bob.ipynb")
    found = earlier_result(out, "bob~0123456789", "logistic_regression", "digest-1", "/a/bob.ipynb")
    assert found is not None and found.total == 2 and found.submission == "bob~0123456789"
    for digest, source, assignment in [("digest-2", "/a/bob.ipynb", "logistic_regression"),
                                       ("digest-1", "/b/bob.ipynb", "logistic_regression"),
                                       ("digest-1", "", "logistic_regression"), ("", "/a/bob.ipynb", "logistic_regression"),
                                       ("digest-1", "/a/bob.ipynb", "jacobians")]:
        assert earlier_result(out, "bob~0123456789", assignment, digest, source) is None
    # a results.json from before sources were recorded is graded again, never trusted
    path = out / "bob~0123456789" / "results.json"
    data = json.loads(path.read_text())
    del data["extra_data"]["source"]
    path.write_text(json.dumps(data))
    assert earlier_result(out, "bob~0123456789", "logistic_regression", "digest-1", "/a/bob.ipynb") is None
    for junk in ["[]", '{"extra_data": []}', '{"extra_data": "x"}', "\xff"]:
        path.write_text(junk, encoding="latin-1")
        assert earlier_result(out, "bob~0123456789", "logistic_regression", "digest-1", "/a/bob.ipynb") is None


def test_gradebook_stores_hostile_text_and_export_neutralises_it(tmp_path):
    book = tmp_path / "book.sqlite"
    record(book, nasty_result("carol"), "d")
    with sqlite3.connect(book) as connection:  # an attempt stored by an older version, label and all
        connection.execute("INSERT INTO attempts (assignment, submission, sha256, graded_at, total, possible, error) "
                           "VALUES ('logistic_regression', '=HYPERLINK(\"http://x\")', '', '', 0, 3, '+1')")
    stored = {r.submission: r for r in latest_scores(book, "logistic_regression")}
    assert stored["carol"].error == "=cmd|' /C calc'!A0; -2+3\ufffd [/]"
    assert "\x1b" not in stored["carol"].cases[0].message
    exported = tmp_path / "latest.csv"
    outcome = CliRunner().invoke(main, ["export", str(book), "logistic_regression", "--out", str(exported)])
    assert outcome.exit_code == 0, outcome.output
    rows = {row["submission"]: row for row in csv.DictReader(exported.open(newline="", encoding="utf-8"))}
    assert set(rows) == {"carol", "'=HYPERLINK(\"http://x\")"}
    assert rows["'=HYPERLINK(\"http://x\")"]["error"] == "'+1" and rows["carol"]["error"].startswith("'=cmd")


def test_labels_come_from_the_path_under_the_submissions_root(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b" / "sub").mkdir(parents=True)
    paths = [tmp_path / "a" / "bob.ipynb", tmp_path / "b" / "bob.ipynb", tmp_path / "b" / "bob-2.ipynb",
             tmp_path / "b" / "sub" / "x.ipynb", tmp_path / "a" / "...ipynb", tmp_path / "a" / "scores.csv.ipynb"]
    roots = [tmp_path / "a", tmp_path / "b", tmp_path / "b", tmp_path / "b", tmp_path / "a", tmp_path / "a"]
    subs = label_submissions(paths, roots)
    labels = [s.label for s in subs]
    assert labels[2] == "bob-2" and labels[3] == "sub__x" and labels[4] == "__"
    assert labels[0].startswith("bob~") and labels[1].startswith("bob~") and labels[5].startswith("scores.csv~")
    assert len(set(labels)) == len(labels) and all(is_safe_label(label) for label in labels)
    assert [s.source for s in subs] == [source_id(p) for p in paths]
    backwards = label_submissions(paths[::-1], roots[::-1])
    assert {s.source: s.label for s in backwards} == {s.source: s.label for s in subs}
    assert [s.label for s in label_submissions(paths[2:4])] == ["bob-2", "x"]  # default root: the file's folder
    reserved = label_submissions([tmp_path / "a" / "book.db.ipynb"], reserved=("book.db",))
    assert reserved[0].label.startswith("book.db~")


def test_file_digest_of_a_missing_file_is_empty(tmp_path):
    assert file_digest(tmp_path / "nothing") == ""


def late_result(label: str = "erin") -> SubmissionResult:
    return SubmissionResult(label, "logistic_regression", [
        CaseResult("sigmoid", "lecture values", 2.0, 2.0, "", False),
        CaseResult("predict", "hidden sizes", 1.0, 1.0, "", True)], student="=5001", student_name="@erin",
        source="/dl/x.zip!erin_LATE_5001_1_lr.ipynb", submitted_at="2026-12-02T10:00:00+00:00", attempt=2,
        late_penalty=0.2, late_reason="submitted 2026-12-02 10:00 UTC, 10 h 1 min late: 1 day x 20% = 20% deducted")


def test_the_late_penalty_student_and_source_are_in_every_file(tmp_path):
    result = late_result()
    [row] = list(csv.DictReader(io.StringIO(scores_csv([result], QUESTIONS))))
    assert (row["student"], row["name"], row["source"], row["attempt"]) == ("'=5001", "'@erin", result.source, "2")
    assert (row["points"], row["late_penalty"], row["total"], row["possible"]) == ("3", "0.6", "2.4", "3")
    assert row["late_reason"].startswith("submitted") and row["tests"] == "all"
    write_submission(tmp_path, result, QUESTIONS, "d", result.source)
    data = json.loads((tmp_path / "erin" / "results.json").read_text())
    assert data["score"] == 2.4 and data["extra_data"]["points"] == 3 and data["extra_data"]["penalty_points"] == 0.6
    assert data["extra_data"]["student"] == "=5001" and data["extra_data"]["late_penalty"] == 0.2
    assert data["output"].startswith("late: submitted") and "(-0.6 points)" in data["output"]
    again = earlier_result(tmp_path, "erin", "logistic_regression", "d", result.source, result)
    assert (again.score, again.student, again.attempt, again.late_reason) == (2.4, "=5001", 2, result.late_reason)
    result.late_penalty = 0.3  # decided otherwise this time (another policy): graded again, not reused
    assert earlier_result(tmp_path, "erin", "logistic_regression", "d", result.source, result) is None


def test_public_only_is_said_in_every_file(tmp_path):
    result = late_result()
    result.public_only, result.late_penalty, result.late_reason = True, 0.0, ""
    [row] = list(csv.DictReader(io.StringIO(scores_csv([result], QUESTIONS))))
    assert row["tests"] == "public only"
    write_submission(tmp_path, result, QUESTIONS, "d", result.source)
    data = json.loads((tmp_path / "erin" / "results.json").read_text())
    assert data["extra_data"]["public_only"] is True and "public tests only" in data["output"]


def test_outputs_are_readable_by_the_group_and_killed_writes_are_cleaned(tmp_path):
    write_atomic(tmp_path / "scores.csv", "x\n")
    assert stat.S_IMODE((tmp_path / "scores.csv").stat().st_mode) == 0o644
    left = [tmp_path / ".scores.csv.abc123.tmp", tmp_path / "bob" / ".results.json.x1.tmp"]
    for path in left:
        path.parent.mkdir(exist_ok=True)
        path.write_text("half")
    (tmp_path / "bob" / "keep.tmp").write_text("not ours")  # only our own temporary names are removed
    assert sorted(remove_temporary(tmp_path)) == sorted(left)
    assert not any(path.exists() for path in left) and (tmp_path / "bob" / "keep.tmp").exists()


def complete_rows(path) -> list[list[str]]:
    """scores.csv as a colleague would read it now: the header first, then
    rows that each end in a newline and have every column."""
    text = path.read_bytes().decode("utf-8")
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["submission", "student"] and rows[0][-1] == "error"
    assert all(len(row) == len(rows[0]) for row in rows)
    return rows[1:]


def test_scores_file_appends_whole_rows_and_ends_in_the_batch_order(tmp_path):
    path = tmp_path / "scores.csv"
    first, second, third = (nasty_result(label) for label in ("a", "b", "c"))
    scores = ScoresFile(path, QUESTIONS, [first])
    assert [row[0] for row in complete_rows(path)] == ["a"]
    for result, seen in ((third, ["a", "c"]), (second, ["a", "c", "b"])):  # the order they arrive in
        before = path.stat().st_ino
        scores.add(result)
        assert [row[0] for row in complete_rows(path)] == seen
        assert path.stat().st_ino == before  # appended, not rewritten
    scores.finish([first, second, third])
    assert path.read_bytes().decode("utf-8") == scores_csv([first, second, third], QUESTIONS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_scores_file_starts_whole_over_what_a_killed_run_left(tmp_path):
    """A torn last line and the row of an attempt that no longer counts are gone."""
    path = tmp_path / "scores.csv"
    superseded = late_result()
    superseded.attempt = 1
    path.write_bytes((scores_csv([superseded, nasty_result("a")], QUESTIONS) + "b,5002,,/dl/b.ipynb,,1,1").encode())
    counted = late_result()
    ScoresFile(path, QUESTIONS, [nasty_result("a"), counted])
    assert path.read_bytes().decode("utf-8") == scores_csv([nasty_result("a"), counted], QUESTIONS)
    assert [row[5] for row in complete_rows(path)] == ["1", "2"]


def test_a_row_the_disk_cannot_take_is_cut_off_whole(tmp_path):
    """With room for half a row (a file-size limit stands in for a full disk:
    the kernel writes what fits), the row is refused and the file keeps the
    rows before it."""
    path = tmp_path / "scores.csv"
    program = f"""
import resource, signal, sys
from pathlib import Path
sys.path[:0] = {sys.path!r}
from tests.outputs.test_files import QUESTIONS, nasty_result
from autograder.outputs.files import ScoresFile
path = Path({str(path)!r})
scores = ScoresFile(path, QUESTIONS, [nasty_result("a")])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
size = path.stat().st_size
resource.setrlimit(resource.RLIMIT_FSIZE, (size + 40, size + 40))
try:
    scores.add(nasty_result("b"))
except OSError as error:
    print("refused:", error)
assert path.stat().st_size == size, path.stat().st_size
"""
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "refused: only 40 of" in done.stdout
    assert [row[0] for row in complete_rows(path)] == ["a"]
