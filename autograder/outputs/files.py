"""Files an instructor keeps: scores.csv, skipped.csv and Gradescope's results.json.

Every file is written to a temporary name and renamed into place, so a grader
killed mid-batch never leaves a half-written file behind (a temporary file a
hard kill leaves is removed by ``remove_temporary``, which ``--resume`` runs);
scores.csv alone grows by whole appended rows while a batch runs (``ScoresFile``).
Files are readable by everyone who can read the folder (0644). Every text that may
come from a student goes through ``autograder.outputs.safe`` on its way in:
CSV cells are neutralised for spreadsheets, JSON strings are plain text, and a
submission's folder is its safe label, never a path taken from a file name.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
from pathlib import Path

from autograder.outputs.safe import csv_cell, json_text, submission_folder
from autograder.scoring.results import CaseResult, SubmissionResult


FILE_MODE = 0o644  # the course team reads the outputs; mkstemp alone would make them 0600
TEMPORARY_SUFFIX = ".tmp"
PUBLIC_ONLY_NOTE = "graded with the public tests only (--public-only): hidden tests were not run"
# scores.csv: who and what, the questions, then how the total was made; the last three stay last.
INFO_COLUMNS = ("submission", "student", "name", "source", "submitted_at", "attempt")
SCORE_COLUMNS = ("points", "late_penalty", "late_reason", "tests", "total", "possible", "error")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (UTF-8, mode 0644) through a temporary file
    in the same folder, renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX)
    try:
        os.fchmod(handle, FILE_MODE)
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def remove_temporary(out_dir: Path) -> list[Path]:
    """Remove the temporary files ``write_atomic`` leaves when the grader is
    killed mid-write (``.<name>.<random>.tmp`` in --out and in each submission's
    folder); return them. Nothing else is touched."""
    removed = []
    for folder in (Path(out_dir), *(p for p in Path(out_dir).glob("*") if p.is_dir() and not p.is_symlink())):
        for path in folder.glob(f".*{TEMPORARY_SUFFIX}"):
            if path.is_file() and not path.is_symlink():
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def scores_csv(results: list[SubmissionResult], questions: list[str]) -> str:
    """One row per result: ``INFO_COLUMNS``, the points of each question, then
    ``points`` (what the tests earned), ``late_penalty`` (points taken off) and
    its reason, ``tests`` (``all`` or ``public only``), ``total`` (what counts),
    ``possible`` and ``error``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(name) for name in (*INFO_COLUMNS, *questions, *SCORE_COLUMNS)])
    writer.writerows(_scores_row(result, questions) for result in results)
    return buffer.getvalue()


def _scores_row(result: SubmissionResult, questions: list[str]) -> list[str]:
    scores = result.question_scores(questions)  # text cells neutralised; the numbers are the grader's own
    return [csv_cell(result.submission), csv_cell(result.student), csv_cell(result.student_name),
            csv_cell(result.source), csv_cell(result.submitted_at), str(result.attempt),
            *(f"{scores[q][0]:g}" for q in questions), f"{result.total:g}",
            f"{result.penalty_points:g}", csv_cell(result.late_reason),
            "public only" if result.public_only else "all", f"{result.score:g}",
            f"{result.possible:g}", csv_cell(result.error or "")]


class ScoresFile:
    """scores.csv while a batch writes it: the header and the rows already
    known written whole (``write_atomic``: this also repairs a file a killed
    run left, with a torn last line or rows of attempts that no longer count),
    then one appended line per new result, so a result costs one short write
    whatever the batch's size. Each line goes out in one ``write`` (a file
    opened for appending), and a line a full disk cuts short is cut off again,
    so a reader sees the header first and complete rows at any moment, in the
    order they arrived; ``finish`` rewrites the file whole, in the batch's order.
    Errors (OSError) are raised to the caller; the file stays as it was."""

    def __init__(self, path: Path, questions: list[str], known: list[SubmissionResult]):
        self.path, self.questions = Path(path), questions
        self._file = None
        write_atomic(self.path, scores_csv(known, questions))

    def add(self, result: SubmissionResult) -> None:
        """Append ``result``'s row."""
        buffer = io.StringIO()
        csv.writer(buffer).writerow(_scores_row(result, self.questions))
        line = buffer.getvalue().encode("utf-8")
        if self._file is None:  # opened once: each row is then a single write, no open or close
            self._file = open(self.path, "ab", buffering=0)
        end = self._file.seek(0, os.SEEK_END)
        try:
            written = self._file.write(line)
            if written != len(line):
                raise OSError(f"only {written} of {len(line)} bytes of a row could be written")
        except OSError:
            self._file.truncate(end)  # no torn row: the reader sees the rows before it
            raise

    def finish(self, results: list[SubmissionResult]) -> None:
        """Write the file whole: ``results`` in their order."""
        self.close()
        write_atomic(self.path, scores_csv(results, self.questions))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def skipped_csv(skipped: list[tuple[str, str]]) -> str:
    """The files that were not graded, and why: ``source``, ``reason``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["source", "reason"])
    writer.writerows([csv_cell(source), csv_cell(reason)] for source, reason in skipped)
    return buffer.getvalue()


def file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


def gradescope_results(result: SubmissionResult, questions: list[str], digest: str = "", source: str = "") -> dict:
    """Gradescope's results format: one test per question, named after it;
    ``score`` is what counts (late penalty applied). ``extra_data`` records the
    submitted file (``source``: its absolute path, or ``<archive>!<member>``)
    and its ``digest``, which ``earlier_result`` both checks, and every field
    of ``SubmissionResult`` that is not a test: ``student``, ``student_name``,
    ``submitted_at``, ``attempt``, ``counted``, ``points`` (before the
    penalty), ``late_penalty`` (a fraction), ``penalty_points``,
    ``late_reason``, ``public_only``."""
    tests = []
    for name, (earned, possible) in result.question_scores(questions).items():
        lines = []
        for case in (c for c in result.cases if c.question == name):
            mark = "passed" if case.passed else "FAILED"
            kind = " (hidden test)" if case.hidden else ""
            lines.append(f"[{mark}] {case.name}{kind}")
            if case.message:  # a passed case may carry feedback that cost nothing
                lines += ["    " + line for line in case.message.splitlines()]
        tests.append({"name": json_text(name), "score": earned, "max_score": possible,
                      "output": json_text("\n".join(lines)), "visibility": "visible"})
    header = ([PUBLIC_ONLY_NOTE] if result.public_only else []) + \
        ([f"late: {result.late_reason} (-{result.penalty_points:g} points)"] if result.late_reason else [])
    output = json_text("\n".join(header + ([result.error] if result.error else []) + result.notes))
    error = json_text(result.error) if result.error is not None else None
    return {"score": result.score, "max_score": result.possible, "execution_time": round(result.seconds, 3),
            "output": output, "visibility": "visible", "tests": tests,
            "extra_data": {"assignment": json_text(result.assignment), "submission": json_text(result.submission),
                           "source": json_text(source or result.source), "submission_sha256": digest,
                           "error": error, "student": json_text(result.student),
                           "student_name": json_text(result.student_name),
                           "submitted_at": json_text(result.submitted_at), "attempt": result.attempt,
                           "counted": result.counted, "points": result.total, "late_penalty": result.late_penalty,
                           "penalty_points": result.penalty_points, "late_reason": json_text(result.late_reason),
                           "public_only": result.public_only}}


def write_submission(out_dir: Path, result: SubmissionResult, questions: list[str], digest: str = "",
                     source: str = "") -> None:
    """``out_dir/<label>/results.json``; a label that is not safe is refused (ValueError)."""
    payload = json.dumps(gradescope_results(result, questions, digest, source), indent=2)
    write_atomic(submission_folder(out_dir, result.submission) / "results.json", payload + "\n")


# What a run decides about a file before grading it; an earlier result is kept only if they are the same.
DECIDED = ("student", "student_name", "submitted_at", "attempt", "counted", "late_penalty", "late_reason", "public_only")


def earlier_result(out_dir: Path, label: str, assignment: str, digest: str, source: str,
                   decided: SubmissionResult | None = None) -> SubmissionResult | None:
    """The result an interrupted batch already wrote for this very file, if any:
    per question scores and the fields of ``gradescope_results``'s
    ``extra_data``, enough for scores.csv. Only a results.json written for the
    same file (``source``, from ``safe.source_id``) with the same content
    (``digest``) counts, so a label can never bring back another file's result;
    and, given ``decided`` (a result holding what this run decided: student,
    attempt, late penalty, public-only), only one where those are the same."""
    try:
        data = json.loads((submission_folder(out_dir, label) / "results.json").read_text(encoding="utf-8"))
        extra = data["extra_data"]
        if (extra["assignment"] != assignment or not digest or extra["submission_sha256"] != digest
                or not source or extra.get("source") != source):
            return None
        if decided is not None:
            wanted = gradescope_results(decided, [])["extra_data"]
            if any(extra.get(key) != wanted[key] for key in DECIDED):
                return None
        cases = [CaseResult(test["name"], "earlier run", float(test["score"]), float(test["max_score"]),
                            test.get("output", ""), False) for test in data["tests"]]
        fields = {key: extra[key] for key in DECIDED if key in extra}
        result = SubmissionResult(label, assignment, cases, error=extra.get("error"),
                                  notes=["graded in an earlier run"], source=source, **fields)
        result.seconds = float(data.get("execution_time") or 0.0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return result
