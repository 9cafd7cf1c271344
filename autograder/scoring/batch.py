"""Grade a batch of submissions: a pool of sandboxed engines, one row per
submission whatever happens to it, results written as they arrive.

Each submission arrives from ``autograder.intake`` knowing its student, its
place among that student's attempts and its submission time; the batch adds
the late penalty, grades it, and writes the gradebook attempt, then its
results.json and feedback page, then its row of scores.csv (one row per
student: the attempt that counts), appended: a result costs the same whatever
the batch's size, and a kill loses only the submissions being graded.
"""

from __future__ import annotations

import dataclasses
import math
import os
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from autograder.engine.kernel import KernelEngine
from autograder.engine.sandbox import choose_isolation
from autograder.engine.session import Engine, Limits
from autograder.intake.collect import Found, plain
from autograder.intake.late import LatePolicy, assess
from autograder.notebook.syntax import serialize_ast_parsing
from autograder.outputs.files import (ScoresFile, earlier_result, file_digest, remove_temporary, skipped_csv,
                                      write_atomic, write_submission)
from autograder.outputs.gradebook import record, start_run
from autograder.outputs.safe import OUTPUT_NAMES, file_label, one_line, submission_folder, unique_labels
from autograder.scoring.results import SubmissionResult
from autograder.scoring.submission import grade_notebook, zero_result
from autograder.spec import Assignment

SKIPPED_FILE = "skipped.csv"


class BatchError(Exception):
    """Some submissions of a batch got no row or no results.json; the message says which and why."""


@dataclass(frozen=True)
class Submission:
    label: str  # unique within the batch, safe as a folder name; names the output folder and the CSV row
    path: Path | None  # the file the grader reads (None: it could not be taken, ``found.problem`` says why)
    source: str = ""  # the file's absolute path or "<archive>!<member>", recorded in results.json for --resume
    found: Found | None = None


def label_found(found: list[Found], reserved: tuple[str, ...] = ()) -> list[Submission]:
    """Labels made from each file's path under the folder or archive it was
    found in, made safe for a file name and unique (``safe.file_label``,
    ``safe.unique_labels``): the same files get the same labels in every run,
    whatever their order, and no name a student picks can take another file's
    label, a path outside --out, or an output's name (``reserved`` adds names
    to keep free, such as a gradebook inside --out)."""
    labels = unique_labels([(file_label(entry.relative), entry.source) for entry in found], reserved)
    return [Submission(label, entry.path, entry.source, entry) for label, entry in zip(labels, found)]


def label_submissions(paths: list[Path], roots: list[Path | None] | None = None,
                      reserved: tuple[str, ...] = ()) -> list[Submission]:
    """``label_found`` for notebook paths, each labelled by its path relative
    to its submissions root (by default the folder it is in)."""
    return label_found(plain(paths, roots), reserved)


def grade_batch(assignment: Assignment, paths: list[Path] | None = None, out_dir: Path | None = None, *,
                jobs: int = 2, isolation: str = "auto", include_hidden: bool = True, limits: Limits | None = None,
                kernel: bool = False, resume: bool = False, gradebook: Path | None = None,
                roots: list[Path | None] | None = None, found: list[Found] | None = None,
                skipped: list[tuple[str, str]] = (), policy: LatePolicy | None = None,
                executor=None, run_all_cells: bool = False,
                on_result: Callable[[SubmissionResult], None] = lambda result: None) -> list[SubmissionResult]:
    """Grade every submission (``found``, from ``intake.collect``, or plain
    notebook ``paths`` with their ``roots``); each result is written the moment
    it is known and comes back, counted or not, in the order given.
    ``include_hidden=False`` grades with the public tests only, and says so;
    ``policy`` sets late penalties; ``skipped`` (source, reason) goes to
    ``skipped.csv``; ``kernel=True`` runs each notebook in a Jupyter kernel;
    ``resume=True`` removes temporary files a killed run left and keeps what it
    wrote for unchanged files decided alike; ``gradebook`` names a SQLite file
    that gets every attempt (once per run, however often it is resumed).
    ``executor`` (``distributed.DaskExecutor``) grades each submission on a
    cluster instead of in local sandboxes; ``run_all_cells`` runs cells that
    nothing graded depends on too.
    Every submission gets its results.json and feedback page, and every
    counted one its row; if one could not be graded or written (a full disk,
    a file in the way), the others still are, and BatchError is raised at the
    end, never a silently missing row."""
    if found is None:
        found = plain(list(paths or []), roots)
    if out_dir is not None:  # the pages' modules (jinja2, matplotlib) load only for a batch that writes them
        from autograder.outputs.html.feedback import PAGE_NAME, write_feedback_page, write_feedback_pages
    submissions = label_found(found, _reserved_names(out_dir, gradebook))
    chosen = None if kernel or executor is not None else choose_isolation(isolation)
    questions = [q.name for q in assignment.questions]
    digests = [file_digest(submission.path) if submission.path is not None else "" for submission in submissions]
    decided = [_decided(assignment, submission, policy, not include_hidden) for submission in submissions]
    if resume and out_dir is not None:
        remove_temporary(out_dir)
    run = start_run(gradebook, assignment.name, out_dir, resume) if gradebook is not None else ""
    results: dict[int, SubmissionResult] = {}
    failures: list[str] = []  # outputs that could not be written
    lock = threading.Lock()
    todo: list[tuple[int, Submission]] = []  # what is not known from an earlier run
    for position, submission in enumerate(submissions):
        earlier = earlier_result(out_dir, submission.label, assignment.name, digests[position], submission.source,
                                 decided[position]) if resume and out_dir is not None else None
        if earlier is None:
            todo.append((position, submission))
            continue
        results[position] = earlier
        if gradebook is not None:  # recorded when it was graded, unless that run kept no gradebook
            try:
                record(gradebook, earlier, digests[position], run)
            except Exception as error:
                failures.append(f"{submission.label}: {type(error).__name__}: {error}")
        if out_dir is not None:  # its page, if the run that graded it was killed before writing it
            failures += write_feedback_pages([earlier], assignment, out_dir, since=math.inf)
        on_result(earlier)
    scores = None
    if out_dir is not None:  # whole, with what is known: a file a killed run left is repaired here
        try:
            scores = ScoresFile(out_dir / "scores.csv", questions, _counted(results))
        except OSError as error:
            failures.append(f"scores.csv: {type(error).__name__}: {error}")

    def open_engine(slot: int):
        engine = (executor.engine(slot, run_all_cells) if executor is not None
                  else KernelEngine() if kernel else Engine(slot, chosen))
        engine.run_all_cells = run_all_cells
        return engine

    def grade(engine, item: tuple[int, Submission]) -> None:
        position, submission = item
        result = _grade_one(assignment, submission, engine, include_hidden, limits, decided[position])
        with lock:
            results[position] = result
            for step in _outputs(result, position):
                try:  # each output on its own: one that fails costs no other
                    step()
                except Exception as error:
                    failures.append(f"{submission.label}: {type(error).__name__}: {error}")

    def _outputs(result: SubmissionResult, position: int) -> list[Callable[[], object]]:
        steps: list[Callable[[], object]] = []
        if gradebook is not None:  # first: a results.json on disk means its attempt is recorded
            steps.append(lambda: record(gradebook, result, digests[position], run))
        if out_dir is not None:
            steps.append(lambda: write_submission(out_dir, result, questions, digests[position], result.source))
            steps.append(lambda: write_feedback_page(result, assignment,
                                                     submission_folder(out_dir, result.submission) / PAGE_NAME))
        if scores is not None and result.counted:
            steps.append(lambda: scores.add(result))
        return [*steps, lambda: on_result(result)]

    # workers that died (the others grade what they leave)
    lost_workers = [f"grading worker {lost}" for lost in in_engines(todo, jobs, open_engine, grade)]
    final = [results[p] for p in sorted(results)]
    if out_dir is not None:
        try:  # whole, in the order given, whatever order the results came in
            if scores is None:  # it could not be started: one more try
                ScoresFile(out_dir / "scores.csv", questions, _counted(results))
            else:
                scores.finish(_counted(results))
        except OSError as error:
            failures.append(f"scores.csv: {type(error).__name__}: {error}")
        if skipped:
            write_atomic(out_dir / SKIPPED_FILE, skipped_csv(list(skipped)))
    missing = [submission.label for position, submission in enumerate(submissions) if position not in results]
    if missing:
        failures.append(f"not graded: {', '.join(missing)}" + "".join(f" ({lost})" for lost in lost_workers))
    if failures:
        raise BatchError("; ".join(one_line(failure, 500) for failure in failures))
    return final


def in_engines(items: list, jobs: int, open_engine: Callable[[int], Any],
               handle: Callable[[Any, Any], None]) -> list[str]:
    """Every item handed to ``handle(engine, item)`` by ``jobs`` workers, each
    in a thread of its own with its own engine (``open_engine(slot)``, used
    as a context manager), taking the next item when done with the last;
    returns once all have ended. An engine that cannot start (or a worker
    that fails) ends its worker only, and the others take what it leaves:
    returned is, for each worker ended so, "SLOT: why"."""
    todo: queue.Queue = queue.Queue()
    for item in items:
        todo.put(item)
    lost: list[str] = []

    def work(slot: int) -> None:
        try:
            with open_engine(slot) as engine:
                while True:
                    try:
                        item = todo.get_nowait()
                    except queue.Empty:
                        return
                    handle(engine, item)
        except BaseException as error:
            lost.append(f"{slot}: {type(error).__name__}: {error}")

    serialize_ast_parsing()  # CPython 3.11: two threads converting source to AST at once can fail
    threads = [threading.Thread(target=work, args=(slot,), daemon=True) for slot in range(max(1, jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return lost


def _counted(results: dict[int, SubmissionResult]) -> list[SubmissionResult]:
    """The results that count (one per student), in the batch's order."""
    return [results[position] for position in sorted(results) if results[position].counted]


def _decided(assignment: Assignment, submission: Submission, policy: LatePolicy | None,
             public_only: bool) -> SubmissionResult:
    """What is known of a submission before grading it: who, when, which
    attempt, its late penalty, and whether hidden tests run."""
    found = submission.found
    penalty = assess(policy or LatePolicy(), found.submitted_at, found.late_flag)
    return SubmissionResult(submission.label, assignment.name, student=found.student,
                            student_name=found.student_name, source=found.source,
                            submitted_at=found.submitted_at.isoformat() if found.submitted_at else "",
                            attempt=found.attempt, counted=found.counted, late_penalty=penalty.fraction,
                            late_reason=penalty.reason, public_only=public_only)


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


def _grade_one(assignment: Assignment, submission: Submission, engine: Engine, include_hidden: bool,
               limits: Limits | None, decided: SubmissionResult) -> SubmissionResult:
    if submission.path is None:
        result = zero_result(assignment, SubmissionResult(submission.label, assignment.name),
                             submission.found.problem or "the file could not be read", include_hidden)
    else:
        try:
            grade = getattr(engine, "grade", None)  # a remote engine grades the whole notebook itself
            result = grade(assignment, submission.path, include_hidden=include_hidden, limits=limits) if grade \
                else grade_notebook(assignment, submission.path, engine, include_hidden=include_hidden, limits=limits)
        except Exception as error:  # a grader bug must not cost the other submissions their rows
            result = zero_result(assignment, SubmissionResult(submission.label, assignment.name),
                                 f"internal grader error: {type(error).__name__}: {error}", include_hidden)
            engine.close()
    graded = {"cases": result.cases, "error": result.error, "notes": result.notes, "seconds": result.seconds}
    return dataclasses.replace(decided, **graded)
