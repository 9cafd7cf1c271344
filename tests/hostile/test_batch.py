"""Hostile submissions inside a real batch: 200 submissions where every tenth
is hostile, and a grader killed with SIGKILL in the middle of a batch."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

from autograder.course import notebook_path
from autograder.notebook.build import mistaken_notebook, replace_functions
from autograder.scoring.batch import grade_batch
from autograder.scoring.submission import grade_notebook

from .conftest import LIMITS, ROOT, alive, leftovers, processes, write_notebook
from .corpus import ASSIGNMENT, CASES, Context, check_expectation, probes


BATCH_SIZE = 200
HOSTILE_EVERY = 10


def honest_variants(assignment) -> dict[str, nbformat.NotebookNode]:
    """Honest work of every quality: right, each known mistake, two mistakes, untouched."""
    student = notebook_path(ASSIGNMENT, ROOT)
    variants = {"right": Context.filled_from(assignment, student)}
    for number, mistake in enumerate(assignment.mistakes):
        variants[f"mistake-{number}"] = mistaken_notebook(assignment, student, mistake)
    if len(assignment.mistakes) >= 2:
        second = assignment.mistakes[-1]
        variants["two-mistakes"] = replace_functions(mistaken_notebook(assignment, student, assignment.mistakes[0]),
                                                     {second.function: second.source})
    variants["untouched"] = nbformat.read(student, as_version=4)
    return variants


def case_view(result) -> list[tuple]:
    return [(c.question, c.name, c.points, c.message) for c in result.cases]


def test_two_hundred_submissions_every_tenth_hostile(assignment, canary, hostile_engine, tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    out = tmp_path / "grades"
    variants = honest_variants(assignment)
    alone = {}
    for name, notebook in variants.items():  # each honest variant graded on its own first
        alone[name] = grade_notebook(assignment, write_notebook(notebook, tmp_path, f"alone-{name}"),
                                     hostile_engine, limits=LIMITS)
    hostile = [case for case in CASES if case.batch]
    assert len(hostile) >= BATCH_SIZE // HOSTILE_EVERY
    plan, contexts, paths = {}, {}, []
    names = list(variants)
    for number in range(BATCH_SIZE):
        label = f"student-{number:03d}"
        if number % HOSTILE_EVERY == HOSTILE_EVERY - 1:
            case = hostile[(number // HOSTILE_EVERY) % len(hostile)]
            ctx = Context(assignment=assignment, student_notebook=notebook_path(ASSIGNMENT, ROOT), course_root=ROOT,
                          out_dir=out, submission_dir=folder, label=label, marker=f"hostile-batch-{number:03d}",
                          host_marker_file=tmp_path / f"unpickled-{number}", canary_value=canary)
            plan[label], contexts[label] = case, ctx
            paths.append(write_notebook(case.build(ctx), folder, label))
        else:
            plan[label] = names[number % len(names)]
            paths.append(write_notebook(variants[plan[label]], folder, label))

    results = {r.submission: r for r in grade_batch(assignment, paths, out, jobs=2, limits=LIMITS,
                                                                run_all_cells=True)}  # every hostile cell runs

    rows = list(csv.DictReader((out / "scores.csv").open(newline="", encoding="utf-8")))
    assert [r["submission"] for r in rows] == [f"student-{n:03d}" for n in range(BATCH_SIZE)]
    assert sorted(results) == sorted(plan)
    assert not list(out.rglob("*.tmp"))
    problems = []
    for row in rows:
        label = row["submission"]
        result = results[label]
        results_json = json.loads((out / label / "results.json").read_text())
        if results_json["score"] != result.total or row["total"] != f"{result.total:g}":
            problems.append(f"{label}: the written score is not the graded one")
        if isinstance(plan[label], str):
            if case_view(result) != case_view(alone[plan[label]]) or result.error != alone[plan[label]].error:
                problems.append(f"{label} ({plan[label]}): scored {result.total:g} in the batch, "
                                f"{alone[plan[label]].total:g} alone")
        else:
            case = plan[label]
            try:
                check_expectation(case, result, assignment)
                if case.verify is not None:
                    case.verify(result, contexts[label], probes(result))
            except AssertionError as error:
                problems.append(f"{label} ({case.name}): {str(error)[:300]}")
    assert not problems, "\n".join(problems)
    assert not [row for row in alive(processes()) if "hostile-batch-" in row["args"]]


# --- killing the grader in the middle of a batch -------------------------------------------------------


def descendants(root_pid: int) -> list[dict]:
    rows = alive(processes())
    children: dict[int, list[dict]] = {}
    for row in rows:
        children.setdefault(row["ppid"], []).append(row)
    found, todo = [], [root_pid]
    while todo:
        for row in children.get(todo.pop(), []):
            found.append(row)
            todo.append(row["pid"])
    return found


def _slow_submission(ctx: Context) -> nbformat.NotebookNode:
    """Starts a daemon, then sleeps in a cell: the grader is mid-submission for seconds."""
    from .corpus import _background

    notebook = ctx.filled()
    notebook.cells.insert(0, new_code_cell(_background(ctx)))
    notebook.cells.insert(1, new_code_cell("import time\ntime.sleep(600)"))
    return notebook


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    sandboxed = [row["args"][:150] for row in processes() if row["uid"] >= 61000]
    raise AssertionError(f"timed out waiting for {what}; student processes: {sandboxed}")


def _rows(path) -> list[dict]:
    try:
        return list(csv.DictReader(path.open(newline="", encoding="utf-8")))
    except OSError:
        return []


def test_killing_the_grader_mid_batch_leaves_no_process_and_no_half_written_file(assignment, tmp_path, canary):
    folder = tmp_path / "submissions"
    folder.mkdir()
    out = tmp_path / "grades"
    honest = Context.filled_from(assignment, notebook_path(ASSIGNMENT, ROOT))
    quick = [f"a-{n:02d}" for n in range(6)]
    for label in quick + [f"z-tail-{n}" for n in range(4)]:
        write_notebook(honest, folder, label)
    markers = []
    for n in range(2):
        ctx = Context(assignment=assignment, student_notebook=notebook_path(ASSIGNMENT, ROOT), course_root=ROOT,
                      out_dir=out, submission_dir=folder, label=f"m-slow-{n}", marker=f"hostile-kill-{os.getpid()}-{n}",
                      host_marker_file=tmp_path / "unused", canary_value=canary)
        markers.append(ctx.marker)
        write_notebook(_slow_submission(ctx), folder, ctx.label)

    script = Path(sys.executable).with_name("autograder")  # the installed command, else the same entry point
    program = [str(script)] if script.exists() else [sys.executable, "-m", "autograder.cli"]
    command = [*program, "grade", ASSIGNMENT, str(folder), "--out", str(out), "-j", "2"]
    environment = dict(os.environ, AUTOGRADER_COURSE=str(ROOT))
    grader = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, start_new_session=True)
    try:
        _wait_for(lambda: len(_rows(out / "scores.csv")) == len(quick), 120, "the quick submissions' rows")
        _wait_for(lambda: all(any(m in row["args"] for row in alive(processes())) for m in markers), 60,
                  "both slow submissions to start their daemons")
        assert grader.poll() is None, grader.stderr.read().decode()[-2000:]
        before = descendants(grader.pid)
        assert any("child import main" in row["args"] for row in before), "no sandbox below the grader"
        assert all(any(m in row["args"] for row in before) for m in markers), "the daemons are not below the grader"
        grader.send_signal(signal.SIGKILL)
        grader.wait(timeout=10)
    finally:
        if grader.poll() is None:
            grader.kill()
            grader.wait()

    def survivors():
        now = {(row["pid"], row["start"]) for row in alive(processes())}
        return [row for row in before if (row["pid"], row["start"]) in now]

    deadline = time.monotonic() + 5
    while survivors() and time.monotonic() < deadline:
        time.sleep(0.1)
    left = survivors() + leftovers(None, marker="hostile-kill-", wait=0)
    for row in left:  # do not leave them running after the test, whatever it concludes
        try:
            os.kill(row["pid"], signal.SIGKILL)
        except OSError:
            pass
    assert not left, f"processes outlived the killed grader: {left}"

    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")], "a half-written file was left"
    rows = _rows(out / "scores.csv")
    header = (out / "scores.csv").read_text().splitlines()[0].split(",")
    assert header[0] == "submission" and header[-3:] == ["total", "possible", "error"]
    assert sorted(r["submission"] for r in rows) == quick  # in the order they finished until the run ends
    assert all(r["total"] == "50" and None not in r.values() for r in rows)
    for path in out.rglob("results.json"):
        json.loads(path.read_text())
    assert sorted(p.parent.name for p in out.rglob("results.json")) == quick
