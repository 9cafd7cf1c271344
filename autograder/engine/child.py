"""The untrusted side: runs a student's notebook code and calls its functions.

Process tree (all of it inside the sandbox):

    zygote      numpy and matplotlib (Agg) imported once; never runs student code
    └─ template one per submission: drops privileges, sets limits, runs the cells
       └─ worker  forked from the template's final state; answers calls

The grader (parent) talks to each process over its own Unix socket using
``protocol`` and receives every socket and pidfd it needs by SCM_RIGHTS, so it
can kill any of them without knowing their pids. Whatever the student's code
does, it can only change what its own processes answer; scores are computed in
the parent. Standard library and NumPy only: this file runs in the sandbox.
"""

from __future__ import annotations

import builtins as _builtins

# A private copy of the builtins for this module's functions: student code in
# the same process that patches builtins (min, all, len...) must not break the
# grader's side of the conversation.
__builtins__ = dict(vars(_builtins))

import builtins
import importlib
import io
import os
import resource
import shutil
import signal
import socket
import sys
import tempfile

from autograder.engine import protocol
from autograder.engine.student_code import Shell, answer_call, run_cell, stop_stuck

# Imported once in the zygote so that every submission starts with them loaded.
# Under process isolation this also matters for correctness: the student's uid
# may not be allowed to read the Python installation to import them later.
PREWARM = (
    "autograder.selfcheck", "numpy.testing", "numpy.random", "numpy.linalg", "numpy.fft",
    "secrets", "random", "math", "cmath", "statistics", "fractions", "decimal", "itertools", "functools",
    "collections", "heapq", "bisect", "string", "textwrap", "json", "csv", "re", "time", "datetime", "timeit",
    "copy", "pprint", "dataclasses", "typing", "enum", "operator", "contextlib", "inspect", "ast", "pathlib",
    "hashlib", "base64", "struct", "array", "queue", "threading", "pickle", "unittest", "doctest", "difflib",
    "matplotlib.animation", "matplotlib.cm", "matplotlib.colors", "mpl_toolkits.mplot3d",
)


def _send_fds(sock: socket.socket, header: dict, fds: list[int]) -> None:
    """Hand a socket and a pidfd to the parent, then forget them."""
    protocol.send(sock, header)
    socket.send_fds(sock, [b"F"], fds)
    for fd in fds:
        os.close(fd)


def _spawn(parent_sock: socket.socket, serve, *serve_args) -> tuple[int, socket.socket]:
    """Fork a process that runs ``serve(sock, ...)``; return its pid and our end.
    The child never keeps ``parent_sock``: it could forge our replies with it."""
    ours, theirs = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        ours.close()
        parent_sock.close()
        try:
            serve(theirs, *serve_args)
        finally:
            os._exit(0)
    theirs.close()
    return pid, ours


def _reap() -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def serve_worker(sock: socket.socket, namespace: dict, store: protocol.HandleStore) -> None:
    """Answer calls, a batch (``calls``) per message: one round trip for many."""
    _die_with_parent()
    me = os.getpid()
    while True:
        try:
            header, blobs = protocol.receive(sock)
        except (EOFError, OSError):
            return
        calls = header.get("calls")
        stuck = header.get("stuck")
        stop_stuck(namespace, stuck if isinstance(stuck, list) else [])  # a worker forked after a kill forgets
        out_blobs: list[bytes] = []
        replies = []
        for request in calls if isinstance(calls, list) else []:
            replies.append(answer_call(request, blobs, out_blobs, namespace, store, header.get("timeout")))
            _only_me(me)
        protocol.send(sock, {"replies": replies}, out_blobs)


def serve_template(sock: socket.socket, limits: dict, workdir: str) -> None:
    os.setsid()
    if _SEALS.namespaces:  # while still root: namespaces and a private /tmp of this submission's own
        workdir = _seal_namespaces(workdir)
    os.environ.update(HOME=workdir, TMPDIR=workdir)  # the rest is the zygote's, already scrubbed by the grader
    tempfile.tempdir = workdir
    _drop_privileges(limits.get("uid"), workdir)
    _die_with_parent()  # after the uid change, which would clear it
    _apply_limits(limits)
    os.chdir(workdir)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.path[:] = [p for p in sys.path if p and "autograder" not in p and p != os.getcwd()]
    _skip_rendering()
    shell = Shell()
    namespace = {"__name__": "__main__", "__builtins__": builtins, "get_ipython": lambda: shell,
                 "display": lambda *a, **k: None}
    sys.modules["__main__"].__dict__.update(namespace)
    namespace = sys.modules["__main__"].__dict__
    store = protocol.HandleStore()
    me = os.getpid()
    _seal_calls()  # last: the cells, the workers and all they fork carry the seccomp filter
    while True:
        try:
            header, _ = protocol.receive(sock)
        except (EOFError, OSError, protocol.ProtocolError):
            return
        op = header.get("op")
        if op == "exec":
            report = run_cell(namespace, header["source"], header["cell"], header["timeout"],
                              header.get("call_limit"))
            _only_me(me)
            protocol.send(sock, report)
        elif op == "names":
            protocol.send(sock, {"names": {n: _where_defined(namespace.get(n)) for n in header["names"]},
                                 "ignored": shell.ignored[:20]})
        elif op == "fork":
            _kill_strays(limits.get("uid"))
            pid, ours = _spawn(sock, serve_worker, namespace, store)
            _send_fds(sock, {"ok": True}, [ours.detach(), os.pidfd_open(pid)])


def _only_me(me: int) -> None:
    """A process the student's code forked must not answer in our place."""
    if os.getpid() != me:
        os._exit(0)


def _kill_strays(uid: int | None) -> None:
    """Before forking a worker, end what the notebook left running (a fork
    bomb's survivors would otherwise use up the process limit). Only where the
    student has a uid of its own: kill(-1) then reaches exactly its processes."""
    if uid is not None and os.getuid() == uid:
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
    _reap()


def _die_with_parent() -> None:
    """If the process above us dies, so do we: no orphans outlive the grader."""
    import ctypes

    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _where_defined(value) -> dict:
    code = getattr(value, "__code__", None)
    return {"callable": callable(value), "file": getattr(code, "co_filename", None)}


def _drop_privileges(uid: int | None, workdir: str) -> None:
    if uid is None or os.getuid() != 0:
        return
    os.chown(workdir, uid, uid)
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (uid, uid, uid):
        raise OSError("the sandbox uid could not be taken")


def _apply_limits(limits: dict) -> None:
    def cap(kind, value):
        if value:
            hard = resource.getrlimit(kind)[1]
            value = int(value) if hard == resource.RLIM_INFINITY else min(int(value), hard)
            resource.setrlimit(kind, (value, value))

    if limits.get("memory_mb"):
        cap(resource.RLIMIT_AS, _address_space() + limits["memory_mb"] * 2**20)
    cap(resource.RLIMIT_NPROC, limits.get("processes"))
    cap(resource.RLIMIT_FSIZE, limits.get("file_mb", 0) * 2**20)
    cap(resource.RLIMIT_CPU, limits.get("cpu_seconds"))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _address_space() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def serve_zygote(sock: socket.socket) -> None:
    """Fork one template per submission; kill everything a submission left."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # pre-warm: every fork shares these imports and caches

    _draw_once(plt)

    for name in PREWARM:
        try:
            importlib.import_module(name)
        except ImportError:
            pass

    import ctypes

    _die_with_parent()
    libc = ctypes.CDLL(None)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans come back to us to be reaped
    libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: student processes cannot ptrace the zygote
    missing = _prepare_seals()
    if missing:  # the grader was told this machine can seal submissions: do not grade unsealed
        protocol.send(sock, {"ready": False, "error": f"could not seal submissions: {missing}"})
        return
    protocol.send(sock, {"ready": True})
    template, workdir = None, None
    while True:
        try:
            header, _ = protocol.receive(sock)
        except (EOFError, OSError, protocol.ProtocolError):
            return
        if header.get("op") == "start":
            workdir = tempfile.mkdtemp(prefix="submission-")
            template, ours = _spawn(sock, serve_template, header.get("limits", {}), workdir)
            _send_fds(sock, {"ok": True}, [ours.detach(), os.pidfd_open(template)])
        elif header.get("op") == "cleanup":
            uid = header.get("uid")
            left = _kill_all(uid, template)
            if workdir:
                shutil.rmtree(workdir, ignore_errors=True)
            _remove_files_of(uid)
            left += _left_behind(uid)  # and prove it: what the cleanup could not remove is reported
            template, workdir = None, None
            protocol.send(sock, {"ok": not left, "left": left[:20]})


def _skip_rendering() -> None:
    """Grading needs the functions a notebook defines, not its pictures: laying
    out and saving figures (the slow part of plotting) does nothing here."""
    import matplotlib.figure
    import matplotlib.pyplot as plt

    def nothing(*args, **kwargs):
        return None

    matplotlib.figure.Figure.tight_layout = nothing
    matplotlib.figure.Figure.savefig = nothing
    plt.tight_layout = nothing
    plt.savefig = nothing
    plt.show = nothing


def _draw_once(plt) -> None:
    """Draw one figure so fonts, the Agg renderer and lazy imports are loaded
    once here rather than in every submission."""
    figure, axes = plt.subplots(1, 2)
    axes[0].plot([0, 1], [0, 1], label="line")
    axes[0].legend()
    axes[1].contour([[0, 1], [1, 0]])
    axes[1].set_title("warm-up")
    axes[1].set_xscale("log")
    figure.savefig(io.BytesIO(), format="png")
    plt.close(figure)


def _remove_files_of(uid: int | None) -> None:
    """Files a submission left in shared writable places must not reach the next one
    (with namespaces of its own it wrote only to its private tmpfs, gone with it)."""
    if uid is None:
        return
    for path, is_dir in _files_of(uid):
        try:
            if is_dir:
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)
        except OSError:
            pass


def _kill_all(uid: int | None, template: int | None) -> list[str]:
    """Kill every process the last submission started, wherever it went, and
    drop the kernel keys its uid holds. Returns what could not be removed."""
    if template:
        try:
            os.killpg(template, signal.SIGKILL)
        except OSError:
            pass
    left: list[str] = []
    if uid is not None and os.getuid() == 0:
        for _ in range(3):  # a process the student forked during the sweep is caught by the next one
            # A process with the student's uid may signal exactly the student's processes and sees its keys.
            left = _as_student(uid, _sweep_as_student)
            if not _processes_of(uid, wait=1.0):
                break
    _reap()
    return left


# --- sealing: each submission in namespaces of its own, under a seccomp filter, and a cleanup that proves
# nothing of its uid is left for the next ------------------------------------------------------------------

# Made by each template, as root, before it drops privileges: System V IPC and POSIX message queues, the
# host name, mounts (a private /tmp) and the network (abstract unix sockets, loopback) of its own.
SUBMISSION_NAMESPACES = 0x08000000 | 0x04000000 | 0x00020000 | 0x40000000  # CLONE_NEWIPC|NEWUTS|NEWNS|NEWNET
# World-writable places, each covered by an empty tmpfs of the submission's own that only root may write
# to, as under bubblewrap, of this many MB: /tmp holds the submission's own folder (as big as bubblewrap's
# /tmp, sandbox.SCRATCH_MB).
PRIVATE_PLACES = {"/tmp": 256, "/var/tmp": 1, "/dev/shm": 1, "/run/lock": 1}
# Where the zygote looks for files of the student's uid after a submission.
SHARED_PLACES = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/dev/mqueue")
SEAL_ENV = "AUTOGRADER_SEAL"  # what the grader expects to be sealed ("seccomp,namespaces"), set by sandbox.py
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REMOUNT = 1, 2, 4, 8, 32
_MS_BIND, _MS_REC, _MS_PRIVATE = 4096, 16384, 1 << 18
_KEPT_MOUNT_FLAGS = {"nodev": _MS_NODEV, "noexec": _MS_NOEXEC, "noatime": 1024, "nodiratime": 2048,
                     "relatime": 1 << 21}
_KEYCTL_REVOKE, _KEYCTL_CLEAR, _KEYCTL_INVALIDATE = 3, 7, 21


class _Seals:
    """What the zygote found that every template can do."""

    namespaces = False
    filter = None  # a built seccomp.Filter, loaded by each template


_SEALS = _Seals()


def _prepare_seals() -> str:
    """Build the seccomp filter and check, in a throwaway child, that a
    template can make its namespaces and load the filter. Returns what the
    grader expects (SEAL_ENV) that cannot be done here ("" if nothing)."""
    from autograder.engine import seccomp

    expected = {name for name in os.environ.pop(SEAL_ENV, "").split(",") if name}
    try:
        _SEALS.filter = seccomp.build()
    except (seccomp.SeccompUnavailable, OSError):
        _SEALS.filter = None
    pid = os.fork()
    if pid == 0:
        works = 0
        try:
            _seal_namespaces(None)
            works |= 1
        except OSError:
            pass
        try:
            if _SEALS.filter is not None:
                _SEALS.filter.load()
                works |= 2
        except OSError:
            pass
        os._exit(works)
    _, status = os.waitpid(pid, 0)
    works = os.waitstatus_to_exitcode(status)
    works = works if works > 0 else 0
    _SEALS.namespaces = bool(works & 1)
    if not works & 2:
        _SEALS.filter = None
    found = {"namespaces"} if _SEALS.namespaces else set()
    found |= {"seccomp"} if _SEALS.filter is not None else set()
    return ", ".join(sorted(expected - found))


def _seal_calls() -> None:
    """Load the seccomp filter: from here on, this process and everything it
    forks cannot use the calls seccomp.DENIED lists."""
    if _SEALS.filter is not None:
        _SEALS.filter.load()


def _seal_namespaces(workdir: str | None) -> str | None:
    """This process and all it forks get IPC, UTS, mount and network
    namespaces of their own; in its view every filesystem is read-only but
    an empty, size-capped tmpfs on each world-writable place, and the
    submission's folder is made anew in its private /tmp (returned). Needs
    CAP_SYS_ADMIN: runs before privileges are dropped."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)

    def check(result: int, what: str) -> None:
        if result != 0:
            number = ctypes.get_errno()
            raise OSError(number, f"{what}: {os.strerror(number)}")

    check(libc.unshare(SUBMISSION_NAMESPACES), "unshare")
    check(libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None), "private mounts")  # nothing reaches the host
    fresh = {os.path.realpath(place): size for place, size in PRIVATE_PLACES.items() if os.path.isdir(place)}
    for point, options, kind in _mounts():
        if kind == "autofs" or any(point == top or point.startswith(top + "/") for top in ("/proc", "/sys", "/dev")):
            continue
        flags = _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID
        flags |= sum(flag for name, flag in _KEPT_MOUNT_FLAGS.items() if name in options)
        libc.mount(None, point.encode(), None, flags, None)  # best effort; the root is checked below
    if not os.statvfs("/").f_flag & os.ST_RDONLY:
        raise OSError("the root filesystem stayed writable")
    for place, size in fresh.items():
        check(libc.mount(b"tmpfs", place.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV,
                         f"size={size}m,mode=0755".encode()), f"a private {place}")
    if os.path.ismount("/dev/mqueue"):  # the host's queues: show this namespace's instead
        check(libc.mount(b"mqueue", b"/dev/mqueue", b"mqueue", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, None),
              "a private /dev/mqueue")
    _loopback_up()
    if workdir is None:
        return None
    private = os.path.join("/tmp", os.path.basename(workdir))
    os.mkdir(private, 0o700)
    return private


def _mounts() -> list[tuple[str, set[str], str]]:
    """(mount point, per-mount options, filesystem type) of every mount this process sees."""
    import re

    found = []
    with open("/proc/self/mountinfo") as info:
        for line in info:
            before, _, after = line.partition(" - ")
            fields = before.split()
            if len(fields) < 6:
                continue
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
            found.append((point, set(fields[5].split(",")), (after.split() or [""])[0]))
    return found


def _loopback_up() -> None:
    """A new network namespace starts with its loopback down; bring it up, as bubblewrap does."""
    import fcntl
    import struct

    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            request = struct.pack("16sh22x", b"lo", 0)
            flags = struct.unpack("16sh22x", fcntl.ioctl(probe, 0x8913, request))[1]  # SIOCGIFFLAGS
            fcntl.ioctl(probe, 0x8914, struct.pack("16sh22x", b"lo", flags | 1))  # SIOCSIFFLAGS, IFF_UP
    except OSError:
        pass


def _as_student(uid: int, work) -> list[str]:
    """Run ``work(uid)`` in a child with the student's uid and nothing of
    root's; return the lines it reports (or why it could not)."""
    import json

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            os.write(write, json.dumps([str(line) for line in work(uid)][:50]).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.close(read)
    _, status = os.waitpid(pid, 0)
    try:
        lines = json.loads(b"".join(chunks))
    except ValueError:
        lines = None
    if status != 0 or not isinstance(lines, list):
        return [f"the cleanup as uid {uid} did not finish (wait status {status})"]
    return [str(line) for line in lines]


def _sweep_as_student(uid: int) -> list[str]:
    """As the student's uid: kill all its processes, drop all its keys."""
    try:
        os.kill(-1, signal.SIGKILL)  # every process of this uid (in this pid namespace), except this one
    except OSError:
        pass
    return _drop_keys(uid)


def _key_count(uid: int) -> int:
    """How many kernel keys ``uid`` owns, visible or not (/proc/key-users)."""
    try:
        with open("/proc/key-users") as users:
            for line in users:
                who, _, counts = line.partition(":")
                if who.strip() == str(uid):
                    return int(counts.split()[1].split("/")[0])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _keys_seen(uid: int) -> list[tuple[int, str, str]]:
    """(serial, type, "description: summary") of the keys of ``uid`` that this process may view."""
    found = []
    try:
        with open("/proc/keys") as keys:
            for line in keys:
                fields = line.split(None, 8)
                if len(fields) == 9 and fields[5] == str(uid):
                    found.append((int(fields[0], 16), fields[7], fields[8].strip()))
    except (OSError, ValueError):
        pass
    return found


def _drop_keys(uid: int) -> list[str]:
    """As ``uid``: empty its user keyrings (which the kernel keeps for as long
    as the machine runs) and invalidate every other key it owns; then prove
    that it owns nothing else. Keys cannot be made under the seccomp filter:
    this finds what came from anywhere else (an older grader, for one)."""
    if not _key_count(uid):
        return []
    import ctypes
    import time

    from autograder.engine import seccomp

    keyctl = seccomp.syscall_number("keyctl")
    rings = {f"_uid.{uid}", f"_uid_ses.{uid}"}
    if keyctl is not None:
        libc = ctypes.CDLL(None, use_errno=True)
        for serial, kind, text in _keys_seen(uid):
            if kind == "keyring" and text.rpartition(":")[0] in rings:
                libc.syscall(keyctl, _KEYCTL_CLEAR, serial)
            elif libc.syscall(keyctl, _KEYCTL_INVALIDATE, serial) != 0:
                libc.syscall(keyctl, _KEYCTL_REVOKE, serial)
    empty = {f"{ring}: empty" for ring in rings}
    deadline = time.monotonic() + 2.0  # invalidated keys are collected by the kernel a moment later
    while True:
        seen = _keys_seen(uid)
        extra = _key_count(uid) - sum(1 for _, kind, text in seen if kind == "keyring" and text in empty)
        if extra <= 0:
            return []
        if time.monotonic() > deadline:
            named = [text for _, kind, text in seen if text not in empty][:5]
            return [f"{extra} kernel key(s) of uid {uid}" + (f": {', '.join(named)}" if named else
                                                               " that it cannot even see")]
        time.sleep(0.02)


def _processes_of(uid: int, wait: float = 0.0) -> list[tuple[int, str]]:
    """(pid, name) of the live or unreaped processes of ``uid`` that this
    process sees, after reaping ours and giving killed ones ``wait`` seconds to end."""
    import time

    deadline = time.monotonic() + wait
    while True:
        _reap()
        found = []
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/status") as status:
                    fields = dict(line.split(":", 1) for line in status if ":" in line)
            except OSError:
                continue
            if str(uid) in fields.get("Uid", "").split():
                found.append((int(entry.name), fields.get("Name", "?").strip()[:30]))
        if not found or time.monotonic() >= deadline:
            return found
        time.sleep(0.01)


def _ipc_of(uid: int) -> list[str]:
    """Remove (as root) the System V message queues, semaphores and shared
    memory of ``uid`` in this IPC namespace; return what remains. With an IPC
    namespace of its own, a submission's objects went with its namespace."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    remove = {"msg": lambda ident: libc.msgctl(ident, 0, None), "sem": lambda ident: libc.semctl(ident, 0, 0),
              "shm": lambda ident: libc.shmctl(ident, 0, None)}  # IPC_RMID
    for kind, ident in _ipc_ids(uid):
        remove[kind](ident)
    return [f"System V {kind} {ident}" for kind, ident in _ipc_ids(uid)]


def _ipc_ids(uid: int) -> list[tuple[str, int]]:
    found = []
    for kind in ("msg", "sem", "shm"):
        try:
            with open(f"/proc/sysvipc/{kind}") as table:
                columns = table.readline().split()
                for line in table:
                    row = dict(zip(columns, line.split()))
                    if str(uid) in (row.get("uid"), row.get("cuid")):
                        found.append((kind, int(line.split()[1])))
        except (OSError, ValueError, IndexError):
            pass
    return found


def _files_of(uid: int) -> list[tuple[str, bool]]:
    """(path, is a folder) of what ``uid`` owns in the places every uid may
    write to, and in the folders there that it could write to."""
    import stat

    found: list[tuple[str, bool]] = []
    budget = [20000]

    def walk(folder: str) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            budget[0] -= 1
            if budget[0] < 0:
                return
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            folder_here = stat.S_ISDIR(info.st_mode)
            if info.st_uid == uid:
                found.append((entry.path, folder_here))
            elif folder_here and (info.st_mode & 0o002 or (info.st_mode & 0o020 and info.st_gid == uid)):
                walk(entry.path)

    for place in dict.fromkeys(os.path.realpath(p) for p in SHARED_PLACES):
        if os.path.isdir(place):
            walk(place)
    return found


def _left_behind(uid: int | None) -> list[str]:
    """After the cleanup: every process, System V object or file of the
    student's uid that is still here (keys are checked as the uid itself)."""
    if uid is None:
        return []
    stragglers = _processes_of(uid, wait=1.0)
    for pid, _ in stragglers:  # the sweep as the uid missed them: kill them as root, by pidfd
        try:
            pidfd = os.pidfd_open(pid)
        except OSError:
            continue
        try:
            if pid in dict(_processes_of(uid)):
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        except OSError:
            pass
        finally:
            os.close(pidfd)
    left = [f"process {pid} ({name})" for pid, name in (_processes_of(uid, wait=1.0) if stragglers else [])]
    left += _ipc_of(uid)
    left += [f"file {path}" for path, _ in _files_of(uid)]
    return left


def main() -> None:
    fd = int(sys.argv[1])
    sock = socket.socket(fileno=fd)
    serve_zygote(sock)


if __name__ == "__main__":
    main()
