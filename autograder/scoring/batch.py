"""Grade a folder of submissions: a pool of sandboxed engines, one row per
submission whatever happens to it, results written as they arrive."""

from __future__ import annotations

import os
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
from autograder.outputs.safe import OUTPUT_NAMES, file_label, one_line, source_id, unique_labels
from autograder.scoring.results import SubmissionResult
from autograder.scoring.submission import grade_notebook, zero_result
from autograder.spec import Assignment


class BatchError(Exception):
    """Some submissions of a batch got no row or no results.json; the message says which and why."""


@dataclass(frozen=True)
class Submission:
    label: str  # unique within the batch, safe as a folder name; names the output folder and the CSV row
    path: Path
    source: str = ""  # the file's absolute path (safe.source_id), recorded in results.json for --resume


def label_submissions(paths: list[Path], roots: list[Path | None] | None = None,
                      reserved: tuple[str, ...] = ()) -> list[Submission]:
    """Labels made from each file's path relative to its submissions root (by
    default the folder it is in), made safe for a file name and unique
    (``safe.file_label``, ``safe.unique_labels``): the same files get the same
    labels in every run, whatever their order, and no name a student picks
    can take another file's label, a path outside --out, or an output's name
    (``reserved`` adds names to keep free, such as a gradebook inside --out)."""
    roots = list(roots) if roots is not None else [None] * len(paths)
    bases = []
    for path, root in zip(paths, roots):
        path = Path(path)
        relative = Path(path.name)
        if root is not None:
            try:
                relative = Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
            except ValueError:
                pass
        bases.append(file_label(relative))
    labels = unique_labels(zip(bases, paths), reserved)
    return [Submission(label, Path(path), source_id(path)) for label, path in zip(labels, paths)]


def grade_batch(assignment: Assignment, paths: list[Path], out_dir: Path | None = None, *, jobs: int = 2,
                isolation: str = "auto", include_hidden: bool = True, limits: Limits | None = None,
                kernel: bool = False, resume: bool = False, gradebook: Path | None = None,
                roots: list[Path | None] | None = None,
                on_result: Callable[[SubmissionResult], None] = lambda result: None) -> list[SubmissionResult]:
    """Grade every path; each result is written the moment it is known.
    ``kernel=True`` runs each notebook in a Jupyter kernel instead of the sandbox;
    ``resume=True`` keeps what an interrupted run already wrote for unchanged files;
    ``gradebook`` names a SQLite file that gets every new attempt added;
    ``roots`` gives each path's submissions root, which its label is relative to.
    Every submission gets its row; if one could not be graded or written
    (a full disk, a file in the way), the others still are, and BatchError
    is raised at the end, never a silently missing row."""
    submissions = label_submissions(paths, roots, _reserved_names(out_dir, gradebook))
    chosen = None if kernel else choose_isolation(isolation)
    questions = [q.name for q in assignment.questions]
    digests = [file_digest(submission.path) for submission in submissions]
    results: dict[int, SubmissionResult] = {}
    failures: list[str] = []  # outputs that could not be written
    lost_workers: list[str] = []  # workers that died (the others grade what they leave)
    lock = threading.Lock()
    todo: queue.Queue = queue.Queue()
    for position, submission in enumerate(submissions):
        earlier = earlier_result(out_dir, submission.label, assignment.name, digests[position], submission.source) \
            if resume and out_dir is not None else None
        if earlier is None:
            todo.put((position, submission))
        else:
            results[position] = earlier
            on_result(earlier)

    def work(slot: int) -> None:
        try:
            with (KernelEngine() if kernel else Engine(slot, chosen)) as engine:
                while True:
                    try:
                        position, submission = todo.get_nowait()
                    except queue.Empty:
                        return
                    result = _grade_one(assignment, submission, engine, include_hidden, limits)
                    with lock:
                        results[position] = result
                        for step in _outputs(result, position, submission):
                            try:  # each output on its own: one that fails costs no other
                                step()
                            except Exception as error:
                                failures.append(f"{submission.label}: {type(error).__name__}: {error}")
        except BaseException as error:  # an engine that cannot start: the other workers go on
            with lock:
                lost_workers.append(f"grading worker {slot}: {type(error).__name__}: {error}")

    def _outputs(result: SubmissionResult, position: int, submission: Submission) -> list[Callable[[], object]]:
        steps: list[Callable[[], object]] = []
        if out_dir is not None:
            steps.append(lambda: write_submission(out_dir, result, questions, digests[position], submission.source))
            steps.append(lambda: write_atomic(out_dir / "scores.csv",
                                              scores_csv([results[p] for p in sorted(results)], questions)))
        if gradebook is not None:
            steps.append(lambda: record(gradebook, result, digests[position]))
        return [*steps, lambda: on_result(result)]

    threads = [threading.Thread(target=work, args=(slot,), daemon=True) for slot in range(max(1, jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = [results[p] for p in sorted(results)]
    if out_dir is not None:
        write_atomic(out_dir / "scores.csv", scores_csv(final, questions))
    missing = [submission.label for position, submission in enumerate(submissions) if position not in results]
    if missing:
        failures.append(f"not graded: {', '.join(missing)}" + "".join(f" ({lost})" for lost in lost_workers))
    if failures:
        raise BatchError("; ".join(one_line(failure, 500) for failure in failures))
    return final


def _reserved_names(out_dir: Path | None, gradebook: Path | None) -> tuple[str, ...]:
    """Names in --out no submission folder may take: the grader's outputs, the
    top-level name of a gradebook kept inside --out (and of SQLite's journal
    files beside it), and any file already there that is not a folder."""
    names = set(OUTPUT_NAMES)
    if out_dir is None:
        return tuple(sorted(names))
    if gradebook is not None:
        try:
            top = Path(os.path.abspath(gradebook)).relative_to(os.path.abspath(out_dir)).parts[0]
            names |= {top, f"{top}-journal", f"{top}-wal", f"{top}-shm"}
        except (ValueError, IndexError):
            pass
    try:
        names |= {entry.name for entry in os.scandir(out_dir) if not entry.is_dir(follow_symlinks=False)}
    except OSError:
        pass
    return tuple(sorted(names))


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
