"""How fast scores.csv takes rows as a batch's results arrive, for 1,000
results of logistic_regression (made up here, no grading): the way a batch
writes it now (``files.ScoresFile``: one appended row per result, the file
written whole at the start and the end) against rewriting the whole file
atomically for every result, as batches did before.

    python benchmarks/scores_writer.py              # 1,000 results
    python benchmarks/scores_writer.py --results 5000

Prints rows per second of each; nothing is asserted.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from autograder.course import course_root, load_assignment
from autograder.outputs.files import ScoresFile, scores_csv, write_atomic
from autograder.scoring.results import CaseResult, SubmissionResult


def made_up_results(count: int, questions: list[str]) -> list[SubmissionResult]:
    """``count`` results with four cases per question, every seventh late."""
    results = []
    for number in range(count):
        cases = [CaseResult(question, f"case {k}", float((number + k) % 3 != 0), 1.0, "got 1, expected 2", k == 3)
                 for question in questions for k in range(4)]
        results.append(SubmissionResult(f"student-{number:05d}", "logistic_regression", cases,
                                        student=str(40000 + number), student_name=f"Student {number}",
                                        source=f"/course/downloads/submissions.zip!student{number}.ipynb",
                                        submitted_at="2026-12-01T23:58:00+00:00",
                                        late_penalty=0.1 if number % 7 == 3 else 0.0,
                                        late_reason="1 day late: 10% deducted" if number % 7 == 3 else ""))
    return results


def appended(path: Path, results: list[SubmissionResult], questions: list[str]) -> None:
    scores = ScoresFile(path, questions, [])
    for result in results:
        scores.add(result)
    scores.finish(results)


def rewritten(path: Path, results: list[SubmissionResult], questions: list[str]) -> None:
    for count in range(1, len(results) + 1):
        write_atomic(path, scores_csv(results[:count], questions))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=int, default=1000)
    options = parser.parse_args()
    questions = [q.name for q in load_assignment("logistic_regression", course_root()).questions]
    results = made_up_results(options.results, questions)
    with tempfile.TemporaryDirectory() as folder:
        for name, write in (("appended rows (now)", appended), ("whole file per result (before)", rewritten)):
            path = Path(folder) / f"{name.split()[0]}.csv"
            start = time.perf_counter()
            write(path, results, questions)
            seconds = time.perf_counter() - start
            assert path.read_text(encoding="utf-8").count("\n") == len(results) + 1
            print(f"{name:32s} {len(results)} rows in {seconds:7.3f} s: {len(results) / seconds:9.0f} rows/s")


if __name__ == "__main__":
    main()
