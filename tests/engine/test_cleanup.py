"""The cleanup after a submission (engine/cleanup.py), called directly as the
zygote calls it: a process of the student's uid that the grader's own kills
missed is swept, and when they missed nothing no sweep is forked."""

import os
import subprocess
import time

import pytest

from autograder.engine import cleanup
from autograder.engine.sandbox import claim_student_uid

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the sweep runs as root, as the zygote does")


@pytest.fixture
def uid():
    claim = claim_student_uid(5)
    try:
        yield claim.uid
    finally:
        claim.release()


def test_a_process_of_the_uid_outside_every_group_is_swept(uid):
    stray = subprocess.Popen(["sleep", "60"], user=uid, group=uid, extra_groups=[], start_new_session=True)
    try:
        assert cleanup._processes_of(uid) == [(stray.pid, "sleep")]
        assert cleanup.kill_all(uid, None) == []  # it reaps what it killed (the zygote's children are its own)
        assert not cleanup._processes_of(uid)
    finally:
        stray.kill()
        stray.wait()


def test_nothing_is_forked_when_nothing_of_the_uid_is_left(uid, monkeypatch):
    def no_sweep(*args):
        raise AssertionError("a sweep was forked with nothing of the uid left")

    monkeypatch.setattr(cleanup, "_as_student", no_sweep)
    started = time.monotonic()
    assert cleanup.kill_all(uid, None) == []
    assert time.monotonic() - started < 5  # no wait beyond SETTLE when there is nothing to wait for
