"""A control group per engine, holding its zygote and the one submission it
grades: the memory of everything the submission forks counted together, the
zygote kept alive through the kills and the OOM killer, the group gone
afterwards, and a machine without usable cgroups saying so."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from autograder.engine import cgroups, sandbox
from autograder.engine.interface import Limits
from autograder.engine.session import Engine

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


@needs_cgroups
def test_a_kill_of_the_group_may_keep_one_process():
    keeper = subprocess.Popen([sys.executable, "-c", "import time\ntime.sleep(60)"])
    pidfd = os.pidfd_open(keeper.pid)
    try:
        group = cgroups.confine(pidfd, None, None)
        other = subprocess.Popen([sys.executable, "-c", "import time\ntime.sleep(60)"])
        group.add(os.pidfd_open(other.pid))
        group.kill(keep=keeper.pid)
        assert other.wait(timeout=10) == -9
        assert keeper.poll() is None
        group.kill()
        assert keeper.wait(timeout=10) == -9
        assert group.remove()
    finally:
        os.close(pidfd)


def _group_members(engine: Engine) -> list[int]:
    return [int(pid) for pid in (engine._group.folders[0] / "cgroup.procs").read_text().split()]


def _uid_of(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return int(next(line for line in status if line.startswith("Uid:")).split()[1])


@needs_cgroups
def test_a_submission_is_born_in_the_engine_s_group_and_the_next_one_is_prepared_as_root():
    """The template is forked by the zygote inside the group (no move per
    submission); after a cleanup the next template waits there as root, so
    no process of the student's uid outlives the submission."""
    with Engine(slot=6) as engine:
        run = engine.open(Limits(memory_mb=256, processes=32))
        try:
            run.exec_cell(1, "x = 1")
            assert run.template.pidfd >= 0
            members = _group_members(engine)
            assert engine._zygote_pid in members
            assert any(_uid_of(pid) == engine.uid for pid in members), "the template runs as the student"
        finally:
            run.close()
        members = [pid for pid in _group_members(engine) if pid != engine._zygote_pid]
        assert len(members) == 1 and _uid_of(members[0]) == 0, "one template, prepared, still root"
        assert not any(_uid_of(pid) == engine.uid for pid in _group_members(engine))
        second = engine.open(Limits(memory_mb=256, processes=32))
        try:
            assert second.exec_cell(1, "import os\ndef uid():\n    return os.getuid()\n"
                                       "def oom_score_adj():\n    return open('/proc/self/oom_score_adj').read()")["status"] == "ok"
            assert second.call("uid", ()).value == engine.uid
            # the OOM killer's first choice, before the zygote, whatever their sizes
            assert second.call("oom_score_adj", ()).value.strip() == "1000"
        finally:
            second.close()


@needs_cgroups
def test_the_zygote_outlives_a_submission_the_oom_killer_stops():
    """Four children of 400 MB each, held together, under a 512 MB limit
    (832 MB for the group; each child is within its own address-space limit):
    the kernel kills the submission's processes, never the zygote, which goes
    on to the next submission."""
    with Engine(slot=7) as engine:
        run = engine.open(Limits(memory_mb=512, processes=32, cell_timeout=20, total_timeout=40))
        zygote = engine._zygote_pid
        try:
            run.exec_cell(1, textwrap.dedent('''
                import os, time
                children = []
                for _ in range(4):
                    pid = os.fork()
                    if pid == 0:
                        block = bytearray(400 * 2**20)
                        for k in range(0, len(block), 4096):
                            block[k] = 1
                        time.sleep(2)
                        os._exit(7)
                    children.append(pid)
                codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
                def exit_codes():
                    return codes
            '''))
            codes = run.call("exit_codes", ()).value
        finally:
            run.close()
        assert zygote is not None and engine._zygote_pid == zygote and os.path.exists(f"/proc/{zygote}")
        assert codes.count(-9) >= 2, f"the OOM killer should have stopped two children at least: {codes}"
        following = engine.open(Limits(memory_mb=64, processes=32))
        try:
            assert following.exec_cell(1, "y = 2")["status"] == "ok"
        finally:
            following.close()
        assert engine._zygote_pid == zygote


# A private /tmp filled with 200 MB and held by a cycle of unix sockets (an fd of it sent through a pair
# whose ends travel in their own message): once the submission's processes are gone, the kernel frees
# it only later, by its garbage collector for unix sockets, after the cleanup has found nothing left.
LINGERING = textwrap.dedent('''
    import os, socket
    folder = os.open(os.environ["TMPDIR"], os.O_RDONLY)
    a, b = socket.socketpair()
    socket.send_fds(a, [b"x"], [a.fileno(), b.fileno(), folder])
    os.close(folder)
    chunk = b"x" * 2**20
    for part in range(13):
        with open(os.path.join(os.environ["TMPDIR"], f"part{part}"), "wb") as file:
            for _ in range(16):
                file.write(chunk)
''')


@needs_cgroups
def test_memory_a_submission_leaves_charged_is_not_the_next_one_s():
    """The next submission gets a group of its own, holding the zygote and its
    prepared template, and all of its memory limit."""
    with Engine(slot=8) as engine:
        run = engine.open(Limits(memory_mb=512, processes=32, cell_timeout=20, total_timeout=40))
        try:
            assert run.exec_cell(1, LINGERING)["status"] == "ok"
            before = engine._group
            assert before.usage_mb() > 200
        finally:
            run.close()
        assert engine._group is not before and engine._group.usage_mb() < 64
        members = [pid for pid in _group_members(engine)]
        assert engine._zygote_pid in members and len(members) == 2, "the zygote and its prepared template moved"
        following = engine.open(Limits(memory_mb=512, processes=32, cell_timeout=20, total_timeout=40))
        try:
            assert following.exec_cell(1, "import numpy as np\nblock = np.ones(400 * 2**20 // 8)")["status"] == "ok"
        finally:
            following.close()
    assert not any(folder.exists() for folder in before.folders), "the old group is removed with the engine"
