"""The seccomp filter on student code: what it refuses, what it leaves alone,
that children inherit it, and that a machine that cannot filter says so."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autograder.engine import cgroups, sandbox, seccomp
from autograder.engine.session import Engine, EngineError, Limits

ROOT = Path(__file__).resolve().parents[2]
needs_seccomp = pytest.mark.skipif(sys.platform != "linux" or seccomp.unavailable_reason() != "",
                                   reason=f"no seccomp here: {seccomp.unavailable_reason()}")

UNDER_THE_FILTER = textwrap.dedent('''
    import ctypes, fcntl, json, os, signal, struct, sys, threading
    sys.path.insert(0, sys.argv[1])
    from autograder.engine import seccomp

    libc = ctypes.CDLL(None, use_errno=True)
    number = seccomp.syscall_number


    def error(result):
        return 0 if result >= 0 else ctypes.get_errno()


    seccomp.build().load()
    seen = {}
    seen["add_key"] = error(libc.syscall(number("add_key"), b"user", b"probe", b"x", 1, -4))
    seen["request_key"] = error(libc.syscall(number("request_key"), b"user", b"probe", None, 0))
    seen["keyctl"] = error(libc.syscall(number("keyctl"), 0, -4, 0))
    seen["unshare"] = error(libc.unshare(0x08000000))
    seen["mount"] = error(libc.mount(b"none", b"/no-such-folder-here", b"tmpfs", 0, None))  # else ENOENT
    sleeper = os.fork()
    if sleeper == 0:
        signal.pause()
        os._exit(0)
    seen["ptrace"] = error(libc.ptrace(16, sleeper, None, None))  # PTRACE_ATTACH
    os.kill(sleeper, signal.SIGKILL)
    os.waitpid(sleeper, 0)
    seen["clone newns"] = error(libc.syscall(number("clone"), 0x00020000 | signal.SIGCHLD, 0, 0, 0, 0))
    seen["clone3"] = error(libc.syscall(number("clone3"), None, 0))
    seen["personality set"] = error(libc.personality(ctypes.c_ulong(0x0040000)))
    seen["personality query"] = error(libc.personality(ctypes.c_ulong(0xFFFFFFFF)))
    seen["bpf"] = error(libc.syscall(number("bpf"), 0, None, 0))
    shared = os.open(sys.executable, os.O_RDONLY)  # a file every sandbox shares, read-only
    lock = struct.pack("hhqqi", fcntl.F_RDLCK, 0, 0, 0, 0)
    for name, command, argument in (("F_SETLK", fcntl.F_SETLK, lock), ("F_SETLKW", fcntl.F_SETLKW, lock),
                                    ("F_GETLK", fcntl.F_GETLK, lock), ("F_OFD_SETLK", 37, lock),
                                    ("F_SETLEASE", fcntl.F_SETLEASE, fcntl.F_RDLCK), ("F_NOTIFY", fcntl.F_NOTIFY, 1)):
        try:
            fcntl.fcntl(shared, command, argument)
            seen[name] = 0
        except OSError as refused:
            seen[name] = refused.errno
    seen["F_GETFL"] = fcntl.fcntl(shared, fcntl.F_GETFL) >= 0 and fcntl.fcntl(shared, fcntl.F_SETFD, 1) == 0
    seen["flock"] = error(libc.flock(shared, 1))
    seen["inotify_init1"] = error(libc.inotify_init1(0))
    seen["fanotify_init"] = error(libc.fanotify_init(0, 0))
    seen["memfd_create"] = error(libc.memfd_create(b"probe", 0))
    seen["mincore"] = error(libc.mincore(None, 0, None))
    seen["fadvise"] = libc.posix_fadvise(shared, 0, 0, 4)  # returns the error number itself

    import numpy as np
    seen["numpy"] = float(np.linalg.norm(np.ones(4)))
    import io
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import IPython
    figure, axes = plt.subplots()
    axes.plot([0, 1], [1, 0])
    figure.savefig(io.BytesIO(), format="png")
    seen["matplotlib"] = bool(IPython.__version__)
    box = []
    thread = threading.Thread(target=lambda: box.append(os.getpid()))
    thread.start()
    thread.join()
    seen["thread"] = box == [os.getpid()]
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        status = [line.split()[1] for line in open("/proc/self/status") if line.startswith("Seccomp:")][0]
        answer = error(libc.syscall(number("add_key"), b"user", b"probe", b"x", 1, -4))
        os.write(write, json.dumps([status, answer]).encode())
        os._exit(0)
    os.close(write)
    seen["child"] = json.loads(os.read(read, 100))
    os.waitpid(child, 0)
    print(json.dumps(seen))
''')


def run_under_the_filter() -> dict:
    done = subprocess.run([sys.executable, "-c", UNDER_THE_FILTER, str(ROOT)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@needs_seccomp
def test_the_filter_names_the_keyrings_namespaces_and_tracing():
    built = seccomp.build()
    try:
        for name in ("add_key", "request_key", "keyctl", "ptrace", "process_vm_readv", "unshare", "setns", "mount",
                     "umount2", "pivot_root", "bpf", "perf_event_open", "kexec_load", "init_module", "userfaultfd",
                     "open_by_handle_at", "clock_settime", "reboot", "swapon", "acct", "flock", "inotify_init1",
                     "fanotify_init", "memfd_create", "mincore", "fcntl", "madvise"):
            assert name in built.denied, name
        assert all(reason for reason in seccomp.DENIED.values())
    finally:
        built.release()


@needs_seccomp
def test_refused_calls_fail_with_eperm_and_ordinary_code_still_runs():
    seen = run_under_the_filter()
    eperm = 1
    for name in ("add_key", "request_key", "keyctl", "unshare", "mount", "ptrace", "clone newns", "personality set",
                 "bpf", "F_SETLK", "F_SETLKW", "F_GETLK", "F_OFD_SETLK", "F_SETLEASE", "F_NOTIFY", "flock",
                 "inotify_init1", "fanotify_init", "memfd_create", "mincore", "fadvise"):
        assert seen[name] == eperm, (name, seen)
    assert seen["F_GETFL"] is True and seen["matplotlib"] is True, "fcntl's other commands, Matplotlib and IPython work"
    assert seen["clone3"] == 38, seen  # ENOSYS: the C library then uses clone, whose flags the filter reads
    assert seen["personality query"] == 0
    assert seen["numpy"] == 2.0 and seen["thread"] is True
    assert seen["child"] == ["2", eperm], "a forked child carries the filter"


@needs_seccomp
@pytest.mark.skipif(platform.machine() != "x86_64", reason="the x32 ABI is an x86_64 matter")
def test_the_x32_abi_is_no_way_around_the_filter():
    program = (f"import sys, ctypes; sys.path.insert(0, {str(ROOT)!r}); from autograder.engine import seccomp; "
               "seccomp.build().load(); ctypes.CDLL(None).syscall(0x40000000 | 39); print('survived')")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert done.returncode == -31 and "survived" not in done.stdout  # SIGSYS


@pytest.fixture
def fresh_caches():
    def clear():
        seccomp._library.cache_clear()
        seccomp.unavailable_reason.cache_clear()
        seccomp.syscall_number.cache_clear()
        sandbox.sealing_problems.cache_clear()

    clear()
    yield
    clear()


def test_without_libseccomp_the_isolation_warning_says_so(monkeypatch, fresh_caches):
    monkeypatch.setattr(seccomp, "LIBRARIES", ("libseccomp-that-is-not-here.so.9",))
    assert "libseccomp" in seccomp.unavailable_reason()
    weaker = sandbox.choose_isolation("process").warning
    assert weaker.startswith("WARNING") and "No seccomp filter" in weaker and "libseccomp" in weaker
    if sys.platform == "linux" and sandbox.bwrap_available():
        isolation = sandbox.choose_isolation("auto")
        assert isolation.kind == "bwrap" and isolation.warning.startswith("WARNING")
        assert "No seccomp filter" in isolation.warning and "keyrings" in isolation.warning


@needs_seccomp
@pytest.mark.skipif(not sandbox.namespaces_possible(), reason="namespaces per submission need root")
@pytest.mark.skipif(cgroups.unavailable_reason() != "", reason="no writable cgroups here: the warning says so")
def test_a_machine_that_can_seal_gives_no_warning_under_bubblewrap():
    if not sandbox.bwrap_available():
        pytest.skip("bubblewrap is not available")
    assert sandbox.choose_isolation("auto").warning == ""
    assert set(sandbox.expected_seals().split(",")) == {"seccomp", "namespaces"}


def test_the_zygote_refuses_to_grade_unsealed_when_sealing_was_expected(monkeypatch):
    monkeypatch.setattr(sandbox, "expected_seals", lambda: "seccomp,namespaces,a-seal-nobody-has")
    with Engine(slot=40, isolation="process") as engine:
        with pytest.raises(EngineError):
            engine.open(Limits())
