"""Files an instructor keeps: scores.csv and Gradescope's results.json.

Every file is written to a temporary name and renamed into place, so a grader
killed mid-batch never leaves a half-written file behind. Every text that may
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


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
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


def scores_csv(results: list[SubmissionResult], questions: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(name) for name in ("submission", *questions, "total", "possible", "error")])
    for result in results:  # text cells neutralised; the numbers are the grader's own
        scores = result.question_scores(questions)
        writer.writerow([csv_cell(result.submission), *(f"{scores[q][0]:g}" for q in questions),
                         f"{result.total:g}", f"{result.possible:g}", csv_cell(result.error or "")])
    return buffer.getvalue()


def file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


def gradescope_results(result: SubmissionResult, questions: list[str], digest: str = "", source: str = "") -> dict:
    """Gradescope's results format: one test per question, named after it.
    ``extra_data`` records the submitted file (``source``, its absolute path)
    and its ``digest``, which ``earlier_result`` both checks."""
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
    output = json_text("\n".join(([result.error] if result.error else []) + result.notes))
    error = json_text(result.error) if result.error is not None else None
    return {"score": result.total, "max_score": result.possible, "execution_time": round(result.seconds, 3),
            "output": output, "visibility": "visible", "tests": tests,
            "extra_data": {"assignment": json_text(result.assignment), "submission": json_text(result.submission),
                           "source": json_text(source), "submission_sha256": digest, "error": error}}


def write_submission(out_dir: Path, result: SubmissionResult, questions: list[str], digest: str = "",
                     source: str = "") -> None:
    """``out_dir/<label>/results.json``; a label that is not safe is refused (ValueError)."""
    payload = json.dumps(gradescope_results(result, questions, digest, source), indent=2)
    write_atomic(submission_folder(out_dir, result.submission) / "results.json", payload + "\n")


def earlier_result(out_dir: Path, label: str, assignment: str, digest: str, source: str) -> SubmissionResult | None:
    """The result an interrupted batch already wrote for this very file, if any:
    per question scores, enough for scores.csv. Only a results.json written for
    the same file (``source``, from ``safe.source_id``) with the same content
    (``digest``) counts, so a label can never bring back another file's result."""
    try:
        data = json.loads((submission_folder(out_dir, label) / "results.json").read_text(encoding="utf-8"))
        extra = data["extra_data"]
        if (extra["assignment"] != assignment or not digest or extra["submission_sha256"] != digest
                or not source or extra.get("source") != source):
            return None
        cases = [CaseResult(test["name"], "earlier run", float(test["score"]), float(test["max_score"]),
                            test.get("output", ""), False) for test in data["tests"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return SubmissionResult(label, assignment, cases, error=extra.get("error"), notes=["graded in an earlier run"])
