"""Fixtures of the hostile suite: its own engine slot (so its student uid is
used by nothing else on the machine), small limits, and the checks every
hostile submission must pass on the grader's side."""

from __future__ import annotations

import os
import pickle
import secrets
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest

from autograder.course import load_assignment, notebook_path
from autograder.engine.session import Engine, Limits

from .corpus import ASSIGNMENT, CANARY_NAME, CANARY_PREFIX, SUITE_LIMITS, Context

ROOT = Path(__file__).resolve().parents[2]
SLOT = 7  # the engine claims a sandbox uid of its own, starting its search here
LIMITS = SUITE_LIMITS


def limits_for(overrides: dict) -> Limits:
    return replace(LIMITS, **overrides)


@pytest.fixture(scope="session")
def assignment():
    return load_assignment(ASSIGNMENT, ROOT)


@pytest.fixture(scope="session")
def canary():
    """A secret in the grader's own environment, set before any sandbox starts."""
    value = CANARY_PREFIX + secrets.token_hex(12)
    old = os.environ.get(CANARY_NAME)
    os.environ[CANARY_NAME] = value
    yield value
    if old is None:
        os.environ.pop(CANARY_NAME, None)
    else:
        os.environ[CANARY_NAME] = old


@pytest.fixture(scope="session")
def hostile_engine(canary):
    with Engine(slot=SLOT) as engine:
        engine.run_all_cells = True  # every hostile cell runs: an attack grading leaves out proves nothing
        yield engine


@pytest.fixture
def context(tmp_path, assignment, canary) -> Context:
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    return Context(assignment=assignment, student_notebook=notebook_path(ASSIGNMENT, ROOT), course_root=ROOT,
                   out_dir=tmp_path / "grades", submission_dir=submissions, label="student",
                   marker=f"hostile-{secrets.token_hex(6)}", host_marker_file=tmp_path / "unpickled-marker",
                   canary_value=canary)


def write_notebook(notebook, folder: Path, label: str) -> Path:
    path = folder / f"{label}.ipynb"
    nbformat.write(notebook, path)
    return path


@pytest.fixture
def no_unpickling(monkeypatch):
    """Fail loudly if the grader's process unpickles anything while grading."""
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args[:1])
        raise AssertionError("the grader unpickled data")

    for name in ("loads", "load", "Unpickler", "_loads", "_load", "_Unpickler"):
        if hasattr(pickle, name):
            monkeypatch.setattr(pickle, name, refuse)
    yield calls
    assert calls == [], "the grader called the unpickler"


# --- processes ----------------------------------------------------------------------------------------


def processes() -> list[dict]:
    out = subprocess.run(["ps", "-ww", "-eo", "pid=,ppid=,uid=,stat=,lstart=,args="], capture_output=True, text=True,
                         check=True).stdout
    rows = []
    for line in out.splitlines():
        parts = line.split(None, 9)
        if len(parts) < 10:
            parts += [""] * (10 - len(parts))
        pid, ppid, uid, stat = parts[:4]
        rows.append({"pid": int(pid), "ppid": int(ppid), "uid": int(uid), "stat": stat,
                     "start": " ".join(parts[4:9]), "args": parts[9]})
    return rows


def alive(rows: list[dict]) -> list[dict]:
    return [row for row in rows if not row["stat"].startswith("Z")]


def leftovers(uid: int | None, marker: str | None = None, wait: float = 3.0) -> list[dict]:
    """Live processes of the student uid (or mentioning the marker), after
    giving the kernel ``wait`` seconds to finish killing them."""
    deadline = time.monotonic() + wait
    while True:
        found = [row for row in alive(processes())
                 if (uid is not None and row["uid"] == uid) or (marker and marker in row["args"])]
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


@pytest.fixture(scope="session")
def hostile_uid(hostile_engine):
    return hostile_engine.uid
