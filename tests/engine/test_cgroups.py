"""A control group per submission: the memory of everything it forks counted
together, the group gone afterwards, and a machine without usable cgroups
saying so."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from autograder.engine import cgroups, sandbox

needs_cgroups = pytest.mark.skipif(cgroups.unavailable_reason() != "",
                                   reason=f"no usable cgroups here: {cgroups.unavailable_reason()}")

# Four children, each touching 200 MB once told to go and holding it for two seconds: those that
# exit with 7 had all of it at once (any two of them held it at the same time).
FORKS = textwrap.dedent('''
    import os, sys, time
    sys.stdin.readline()
    children = []
    for _ in range(4):
        pid = os.fork()
        if pid == 0:
            block = bytearray(200 * 2**20)
            for k in range(0, len(block), 4096):
                block[k] = 1
            time.sleep(2)
            os._exit(7)
        children.append(pid)
    print(sum(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 7 for pid in children))
''')


def run_forks(confine: bool) -> tuple[int, float | None, cgroups.Group | None]:
    """How many of the four children had all their memory, and the group's peak in MB."""
    process = subprocess.Popen([sys.executable, "-c", FORKS], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    pidfd = os.pidfd_open(process.pid)
    try:
        group = cgroups.confine(pidfd, 64, 32) if confine else None  # 64 MB + the margin: 384 MB in all
        process.stdin.write(b"go\n")
        process.stdin.close()
        full = int(process.stdout.read())
        process.wait(timeout=60)
        return full, group.peak_memory_mb() if group else None, group
    finally:
        os.close(pidfd)


@needs_cgroups
def test_the_memory_of_every_process_a_submission_forks_counts_together():
    free, _, _ = run_forks(confine=False)
    assert free == 4, "without a group all four processes get their 200 MB (the test would prove nothing)"
    full, peak, group = run_forks(confine=True)
    try:
        limit = 64 + cgroups.MARGIN_MB
        assert full <= limit // 200, f"{full} processes of 200 MB each under a {limit} MB group"
        assert peak is not None and peak <= limit + 1, peak
    finally:
        assert group.remove()
    assert not any(folder.exists() for folder in group.folders)


@needs_cgroups
def test_a_group_is_killed_whole():
    sleeper = subprocess.Popen([sys.executable, "-c", "import os, time\nos.fork()\ntime.sleep(60)"])
    pidfd = os.pidfd_open(sleeper.pid)
    try:
        group = cgroups.confine(pidfd, 64, 8)
        group.kill()
        assert sleeper.wait(timeout=10) == -9
        assert group.remove()
    finally:
        os.close(pidfd)


def test_without_cgroups_the_isolation_warning_says_the_total_is_not_enforced(monkeypatch):
    monkeypatch.setattr(cgroups, "unavailable_reason", lambda: "no cgroup hierarchy is mounted")
    sandbox.sealing_problems.cache_clear()
    try:
        warning = sandbox.choose_isolation("process").warning
    finally:
        sandbox.sealing_problems.cache_clear()
    assert "no control group" in warning and "no cgroup hierarchy is mounted" in warning
    assert "memory limit holds for each process alone" in warning
