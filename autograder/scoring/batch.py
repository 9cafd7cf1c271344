"""Grade a folder of submissions: a pool of sandboxed engines, one row per
submission whatever happens to it, results written as they arrive."""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from autograder.engine.kernel import KernelEngine
from autograder.engine.sandbox import choose_isolation
from autograder.engine.session import Engine, Limits
from autograder.outputs.files import earlier_result, file_digest, scores_csv, write_atomic, write_submission
from autograder.outputs.gradebook import record
from autograder.scoring.results import SubmissionResult
from autograder.scoring.submission import grade_notebook, zero_result
from autograder.spec import Assignment


@dataclass(frozen=True)
class Submission:
    label: str  # unique within the batch; names the output folder and the CSV row
    path: Path


def label_submissions(paths: list[Path]) -> list[Submission]:
    seen: dict[str, int] = {}
    out = []
    for path in paths:
        stem = Path(path).stem or "submission"
        seen[stem] = seen.get(stem, 0) + 1
        out.append(Submission(stem if seen[stem] == 1 else f"{stem}-{seen[stem]}", Path(path)))
    return out


def grade_batch(assignment: Assignment, paths: list[Path], out_dir: Path | None = None, *, jobs: int = 2,
                isolation: str = "auto", include_hidden: bool = True, limits: Limits | None = None,
                kernel: bool = False, resume: bool = False, gradebook: Path | None = None,
                on_result: Callable[[SubmissionResult], None] = lambda result: None) -> list[SubmissionResult]:
    """Grade every path; each result is written the moment it is known.
    ``kernel=True`` runs each notebook in a Jupyter kernel instead of the sandbox;
    ``resume=True`` keeps what an interrupted run already wrote for unchanged files;
    ``gradebook`` names a SQLite file that gets every new attempt added."""
    submissions = label_submissions(paths)
    chosen = None if kernel else choose_isolation(isolation)
    questions = [q.name for q in assignment.questions]
    digests = {submission.label: file_digest(submission.path) for submission in submissions}
    results: dict[int, SubmissionResult] = {}
    lock = threading.Lock()
    todo: queue.Queue = queue.Queue()
    for position, submission in enumerate(submissions):
        earlier = earlier_result(out_dir, submission.label, assignment.name, digests[submission.label]) \
            if resume and out_dir is not None else None
        if earlier is None:
            todo.put((position, submission))
        else:
            results[position] = earlier
            on_result(earlier)

    def work(slot: int) -> None:
        with (KernelEngine() if kernel else Engine(slot, chosen)) as engine:
            while True:
                try:
                    position, submission = todo.get_nowait()
                except queue.Empty:
                    return
                result = _grade_one(assignment, submission, engine, include_hidden, limits)
                with lock:
                    results[position] = result
                    if out_dir is not None:
                        write_submission(out_dir, result, questions, digests[result.submission])
                        done = [results[p] for p in sorted(results)]
                        write_atomic(out_dir / "scores.csv", scores_csv(done, questions))
                    if gradebook is not None:
                        record(gradebook, result, digests[result.submission])
                    on_result(result)

    threads = [threading.Thread(target=work, args=(slot,), daemon=True) for slot in range(max(1, jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = [results[p] for p in sorted(results)]
    if out_dir is not None:
        write_atomic(out_dir / "scores.csv", scores_csv(final, questions))
    return final


def _grade_one(assignment: Assignment, submission: Submission, engine: Engine,
               include_hidden: bool, limits: Limits | None) -> SubmissionResult:
    try:
        result = grade_notebook(assignment, submission.path, engine, include_hidden=include_hidden, limits=limits)
    except Exception as error:  # a grader bug must not cost the other submissions their rows
        result = zero_result(assignment, SubmissionResult(submission.label, assignment.name),
                             f"internal grader error: {type(error).__name__}: {error}", include_hidden)
        engine.close()
    result.submission = submission.label
    return result
