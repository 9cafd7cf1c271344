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
import gc
import importlib
import io
import os
import resource
import secrets
import shutil
import signal
import socket
import sys
import tempfile

import numpy

from autograder.engine import hangs, integrity, protocol, student_code
from autograder.engine.cleanup import kill_all, left_behind, reap, remove_files_of
from autograder.engine.hangs import stop_stuck
from autograder.engine.hugepages import collapse_anonymous_memory
from autograder.engine.magics import Shell
from autograder.engine.sealing import SEALS, prepare_seals, seal_calls, seal_namespaces
from autograder.engine.student_code import answer_calls, run_cell

# Held from import, as the watch's functions are (hangs.py): a notebook that rebinds gc.freeze does not
# reach the fork.
_gc_freeze = gc.freeze

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


def serve_worker(sock: socket.socket, namespace: dict, store: protocol.HandleStore, watched: tuple) -> None:
    """Answer calls, a batch (``calls``) per message: one round trip for many.
    Before each reply, the grader's code in this process is checked against
    ``watched`` (integrity.snapshot): if it changed, the verdict goes first."""
    _die_with_parent()
    me = os.getpid()
    while True:
        try:
            header, blobs = protocol.receive(sock)
        except (EOFError, OSError):
            return
        stuck = header.get("stuck")
        stop_stuck(namespace, stuck if isinstance(stuck, list) else [])  # a worker forked after a kill forgets
        replies, out_blobs = answer_calls(header, blobs, namespace, store, lambda: _only_me(me))
        if not (watched[3].__code__ is watched[4] and watched[3](watched)):  # inline: see integrity.snapshot
            watched[5](sock, watched[6])
        protocol.send(sock, {"replies": replies}, out_blobs)


def serve_template(sock: socket.socket, workdir: str, watched: tuple) -> None:
    """Set up, as root, everything that neither acts as the student's uid nor
    needs the limits (namespaces, mounts, the shell, the seccomp filter), so
    that it is done before the grader asks for it; then wait for the zygote's
    word (sent once the uid is proven empty, with the limits) and become the
    submission's process, which runs its cells."""
    os.setsid()
    _oom_first()
    if SEALS.namespaces:  # while still root: namespaces and a private /tmp of this submission's own
        workdir = seal_namespaces(workdir)
    os.environ.update(HOME=workdir, TMPDIR=workdir)  # the rest is the zygote's, already scrubbed by the grader
    tempfile.tempdir = workdir
    _skip_rendering()
    shell = Shell()
    namespace = {"__name__": "__main__", "__builtins__": builtins, "get_ipython": lambda: shell,
                 "display": lambda *a, **k: None}
    sys.modules["__main__"].__dict__.update(namespace)
    namespace = sys.modules["__main__"].__dict__
    store = protocol.HandleStore()
    seal_calls()  # the cells, the workers and all they fork carry the seccomp filter
    hidden = integrity.hide()  # the grader's modules leave sys.modules (held here, not freed) for good
    try:
        header, _ = protocol.receive(sock)
    except (EOFError, OSError, protocol.ProtocolError):
        return
    limits = header.get("limits") if isinstance(header.get("limits"), dict) else {}
    _drop_privileges(limits.get("uid"), workdir)
    _die_with_parent()  # after the uid change, which would clear it
    _apply_limits(limits)
    os.chdir(workdir)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.path[:] = [p for p in sys.path if p and "autograder" not in p and p != os.getcwd()]
    me = os.getpid()
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
            if not (watched[3].__code__ is watched[4] and watched[3](watched)):  # inline: see integrity.snapshot
                watched[5](sock, watched[6])
            _kill_strays(limits.get("uid"))
            _gc_freeze()  # see serve_zygote: the worker's collections skip what the cells made
            pid, ours = _spawn(sock, serve_worker, namespace, store, watched)
            _send_fds(sock, {"ok": True}, [ours.detach(), os.pidfd_open(pid)])


def _oom_first() -> None:
    """A submission's processes are the OOM killer's first choice, before the
    zygote in the same control group (cgroups.py), whatever their size: a
    template's resident set counts the pages it shares with the zygote. Raising
    one's own score needs no privilege."""
    try:
        with open("/proc/self/oom_score_adj", "w") as adjustment:
            adjustment.write("1000")
    except OSError:
        pass


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
    reap()


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


def serve_zygote(sock: socket.socket, warm_up: bool = True, own_pids: bool = False) -> None:
    """Fork one template per submission; kill everything a submission left.
    ``warm_up``: draw a first figure and import common modules here, once for
    every submission (for a batch; a command that grades one notebook skips it).
    ``own_pids``: the sandbox made this process a pid namespace of its own."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # pre-warm: every fork shares these imports and caches

    if warm_up:
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
    missing = prepare_seals()
    if missing:  # the grader was told this machine can seal submissions: do not grade unsealed
        protocol.send(sock, {"ready": False, "error": f"could not seal submissions: {missing}"})
        return
    # Last, with everything imported: what the grader's code in each submission's processes relies on.
    watched = integrity.snapshot((protocol, student_code, hangs, integrity, sys.modules[__name__]), numpy,
                                 protocol.frame(integrity.TAMPERED))
    # Every object so far goes to the collector's permanent generation, which forks inherit: a full
    # collection in a template or worker then walks only what the submission made, instead of touching
    # (and copying on write) every page of the imports: 40-55 ms, at a moment nobody chose, otherwise.
    _gc_freeze()
    if warm_up:  # for many submissions: then forks and exits take fewer page-table entries (hugepages.py)
        collapse_anonymous_memory()
    # Ready, with this process's pidfd: the grader puts it in the engine's control group (cgroups.py).
    _send_fds(sock, {"ready": True}, [os.pidfd_open(os.getpid())])
    top = _pid_max() if own_pids else 0
    template, workdir = None, None
    prepared = None  # a template forked ahead, still root, for the next "start"

    def fork_template() -> tuple[int, socket.socket, str]:
        """A template that sets up what needs no uid and no limits, then waits (serve_template)."""
        if own_pids:  # not the machine's namespace, which is not ours to move (and every process moves it)
            _scatter_pids(top)
        folder = tempfile.mkdtemp(prefix="submission-")
        pid, ours = _spawn(sock, serve_template, folder, watched)
        return pid, ours, folder

    def release(forked: tuple[int, socket.socket, str], limits) -> None:
        """Let a template become the submission's process, and hand it to the grader."""
        nonlocal template, workdir
        pid, ours, folder = forked
        if own_pids:  # whatever the template's pid says, the pids the submission makes start anew
            _scatter_pids(top)
        protocol.send(ours, {"limits": limits if isinstance(limits, dict) else {}})
        handle = os.pidfd_open(pid)  # OSError if it is gone
        template, workdir = pid, folder
        _send_fds(sock, {"ok": True}, [ours.detach(), handle])

    def discard(forked: tuple[int, socket.socket, str]) -> None:
        pid, ours, folder = forked
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        ours.close()
        shutil.rmtree(folder, ignore_errors=True)
        reap()

    while True:
        try:
            header, _ = protocol.receive(sock)
        except (EOFError, OSError, protocol.ProtocolError):
            return
        if header.get("op") == "start":
            forked, prepared = prepared or fork_template(), None
            try:
                release(forked, header.get("limits"))
            except OSError:  # the one forked ahead is gone (the grader's kill of the group): a fresh one
                discard(forked)
                release(fork_template(), header.get("limits"))
        elif header.get("op") == "cleanup":
            if prepared is not None:
                discard(prepared)
            # The next submission's template is forked first (the grader killed every process of the group
            # already), so that it sets itself up while this waits for the last submission's processes to end.
            prepared = fork_template() if header.get("next") is True else None
            uid = header.get("uid")
            left = kill_all(uid, template)
            if workdir:
                shutil.rmtree(workdir, ignore_errors=True)
            remove_files_of(uid)
            left += left_behind(uid)  # and prove it: what the cleanup could not remove is reported
            template, workdir = None, None
            if left and prepared is not None:
                discard(prepared)
                prepared = None
            protocol.send(sock, {"ok": not left, "left": left[:20]})


def _pid_max() -> int:
    try:
        with open("/proc/sys/kernel/pid_max") as limit:
            return int(limit.read())
    except (OSError, ValueError):
        return 32768  # the kernel's default


def _scatter_pids(top: int) -> None:
    """In a pid namespace of the sandbox's own (bubblewrap's), the next pid is
    made random (below ``top``, pid_max) before each submission's process is
    forked, and again as it is released: otherwise the pids a submission sees
    follow from how many processes the one before made, which it may choose,
    a channel from one to the next."""
    try:
        with open("/proc/sys/kernel/ns_last_pid", "w") as last:
            last.write(str(300 + secrets.randbelow(max(top - 301, 1))))  # pids below 300 are the kernel's
    except OSError:
        pass


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


def main() -> None:
    fd = int(sys.argv[1])
    sock = socket.socket(fileno=fd)
    serve_zygote(sock, warm_up=sys.argv[2:3] != ["cold"], own_pids="own-pids" in sys.argv[3:])


if __name__ == "__main__":
    main()
