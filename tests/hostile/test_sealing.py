"""Submissions graded one after another by the same grader must not pass
anything to each other through the kernel.

The attack these tests stop: a submission stores every answer its functions
gave in a world-readable kernel key (keys are not namespaced and outlive the
process); a later, untouched notebook looks its answers up by a hash of the
grader's deterministic inputs and scores full marks. The same goes for System
V message queues, semaphores and shared memory, POSIX shared memory and
message queues, abstract unix sockets, loopback ports, background processes
and files in /tmp, /var/tmp and /dev/shm. Every test runs under bubblewrap and
under ``--isolation process``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import replace

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from autograder.engine import protocol, seccomp
from autograder.engine.sandbox import bwrap_available, namespaces_possible
from autograder.engine.session import Engine, EngineError
from autograder.scoring.submission import grade_notebook

from .conftest import LIMITS, SLOT, leftovers, write_notebook
from .corpus import REPORT, probes

pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or os.geteuid() != 0 or not namespaces_possible() or seccomp.unavailable_reason() != "",
    reason="sealing submissions needs Linux, root with CAP_SYS_ADMIN and libseccomp")

KEY_PREFIX = "sealing-answer:"
TRACE = "sealed-trace-31f7c0"
ABSTRACT = "sealed-abstract-31f7c0"
PORT = 47731


@pytest.fixture(scope="module", params=["bwrap", "process"])
def sealed_engine(request, canary):
    """The hostile suite's bubblewrap engine, and one with process isolation only."""
    if request.param == "bwrap":
        if not bwrap_available():
            pytest.skip("bubblewrap is not available")
        yield request.getfixturevalue("hostile_engine")
        return
    with Engine(slot=SLOT + 1, isolation="process") as engine:
        engine.run_all_cells = True
        yield engine


def grade(context, engine, notebook, label: str):
    path = write_notebook(notebook, context.submission_dir, label)
    return grade_notebook(context.assignment, path, engine, limits=LIMITS)


def zygote_cleanup(engine) -> dict:
    """Ask the zygote to clean up again and say what it finds of the student's uid."""
    engine._sock.settimeout(30)
    protocol.send(engine._sock, {"op": "cleanup", "uid": engine.uid})
    header, _ = protocol.receive(engine._sock)
    return header


# --- (a) the keyring attack --------------------------------------------------------------------------

KEYS = f'''
import ctypes as _ctypes, hashlib as _hashlib, pickle as _pickle, platform as _platform

_libc = _ctypes.CDLL(None, use_errno=True)
_ADD_KEY, _KEYCTL = {{"x86_64": (248, 250), "aarch64": (217, 219)}}.get(_platform.machine(), (-1, -1))
_USER_KEYRING = -4  # KEY_SPEC_USER_KEYRING: the uid's own, kept by the kernel after its processes end
_stored_errors = []


def _answer_key(name, args):
    return ("{KEY_PREFIX}" + _hashlib.sha256(_pickle.dumps((name, args), protocol=4)).hexdigest()[:40]).encode()


def _remember(name, args, value):
    data = _pickle.dumps(value, protocol=4)
    serial = _libc.syscall(_ADD_KEY, b"user", _answer_key(name, args), data, len(data), _USER_KEYRING)
    if serial < 0:
        _stored_errors.append(_ctypes.get_errno())
        return
    _libc.syscall(_KEYCTL, 5, serial, 0x3F3F3F3F)  # KEYCTL_SETPERM: everything, for everyone


def _recall(name, args):
    wanted = _answer_key(name, args)
    serial = _libc.syscall(_KEYCTL, 10, _USER_KEYRING, b"user", wanted, 0)  # KEYCTL_SEARCH
    if serial < 0:  # or any world-readable key, whoever's it is
        with open("/proc/keys") as keys:
            found = [line.split()[0] for line in keys if wanted.decode() in line]
        serial = int(found[0], 16) if found else -1
    if serial < 0:
        raise LookupError("no stored answer")
    buffer = _ctypes.create_string_buffer(1 << 20)
    size = _libc.syscall(_KEYCTL, 11, serial, buffer, len(buffer))  # KEYCTL_READ
    if size < 0:
        raise LookupError("the stored answer cannot be read")
    return _pickle.loads(buffer.raw[:size])
'''


def storing_cells(assignment) -> list[str]:
    """Every contract function still answers correctly, and stores its answer in a key."""
    wrappers = []
    for name, arguments in assignment.contract.items():
        args = ", ".join(arguments)
        wrappers.append(f"_computed_{name} = {name}\n\n\ndef {name}({args}):\n    value = _computed_{name}({args})\n"
                        f"    _remember({name!r}, ({args},), value)\n    return value\n")
    return [KEYS, "\n\n".join(wrappers)]


def recalling_cells(assignment) -> list[str]:
    """Every contract function answers with what an earlier submission stored."""
    recallers = [f"def {name}({', '.join(arguments)}):\n    return _recall({name!r}, ({', '.join(arguments)},))\n"
                 for name, arguments in assignment.contract.items()]
    return [KEYS, "\n\n".join(recallers)]


ADD_KEY_PROBE = REPORT + '''
import numpy as _np

sigmoid(_np.arange(3.0))  # the wrapper tries to store its answer
_data = b"x"
_serial = _libc.syscall(_ADD_KEY, b"user", b"sealing-probe", _data, 1, _USER_KEYRING)
_first = _ctypes.get_errno() if _serial < 0 else 0
_report("keyring", {"add_key": _first, "stored": sorted(set(_stored_errors))})
'''


def test_the_keyring_attack_works_where_nothing_seals_it():
    """The attack's own code stores and recalls an answer when nothing stops it
    (in a user namespace of its own, so that its keys die with it)."""
    if shutil.which("unshare") is None:
        pytest.skip("util-linux unshare is not installed")
    program = KEYS + "\n" + textwrap.dedent('''
        import numpy as np
        _remember("sigmoid", (np.arange(3.0),), np.array([0.5, 0.7, 0.9]))
        print(_recall("sigmoid", (np.arange(3.0),)).tolist())
    ''')
    done = subprocess.run(["unshare", "--user", "--map-root-user", sys.executable, "-c", program],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "[0.5, 0.7, 0.9]", done.stderr[-2000:]


def test_answers_stored_in_kernel_keys_do_not_reach_the_next_submission(context, sealed_engine):
    assignment = context.assignment
    first = context.filled()
    first.cells += [new_code_cell(source) for source in storing_cells(assignment)] + [new_code_cell(ADD_KEY_PROBE)]
    second = nbformat.read(context.student_notebook, as_version=4)  # untouched: every function raises
    second.cells += [new_code_cell(source) for source in recalling_cells(assignment)]

    storing = grade(context, sealed_engine, first, "stores-answers")
    assert storing.total == storing.possible == assignment.points, storing.notes
    seen = probes(storing)["keyring"]
    assert seen["add_key"] == errno.EPERM, seen
    assert seen["stored"] == [errno.EPERM], seen  # every answer the functions tried to store was refused

    recalling = grade(context, sealed_engine, second, "recalls-answers")
    assert recalling.total == 0, [c.name for c in recalling.cases if c.passed]
    assert not _keys_in_proc_keys(sealed_engine.uid)


def _keys_in_proc_keys(uid: int) -> list[str]:
    """Keys of the student's uid, or made by the attack, that the grader (root) can see."""
    with open("/proc/keys") as keys:
        return [line for line in keys if line.split()[5] == str(uid) or KEY_PREFIX in line or "sealing-" in line]


# --- (b) every other channel ----------------------------------------------------------------------------

LEAVE = REPORT + f'''
import ctypes, os, select, socket, time

libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
TRACE = b"{TRACE}"
left = []
queue = libc.msgget(0x5EA1, 0o1666)
if queue >= 0:
    message = ctypes.create_string_buffer((1).to_bytes(8, "little") + TRACE)
    if libc.msgsnd(queue, message, len(TRACE), 0) == 0:
        left.append("msg")
semaphore = libc.semget(0x5EA2, 1, 0o1666)
if semaphore >= 0 and libc.semctl(semaphore, 0, 16, 4242) == 0:  # SETVAL
    left.append("sem")
segment = libc.shmget(0x5EA3, 4096, 0o1666)
if segment >= 0:
    address = libc.shmat(segment, None, 0)
    if address not in (None, ctypes.c_void_p(-1).value):
        ctypes.memmove(address, TRACE, len(TRACE))
        left.append("shm")
try:
    fd = os.open("/dev/shm/sealed-posix-shm", os.O_CREAT | os.O_RDWR, 0o666)
    os.write(fd, TRACE)
    os.close(fd)
    left.append("posix-shm")
except OSError:
    pass
queue = libc.mq_open(b"/sealed-mqueue", os.O_CREAT | os.O_RDWR, 0o666, None)
if queue >= 0 and libc.mq_send(queue, TRACE, len(TRACE), 0) == 0:
    left.append("mqueue")
for folder in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", os.getcwd(), os.path.expanduser("~")):
    try:
        with open(os.path.join(folder, "sealed-trace.txt"), "wb") as file:
            file.write(TRACE)
        left.append(folder)
    except OSError:
        pass

if os.fork() == 0:  # a daemon that hands the trace to whoever asks, on an abstract socket and a port
    try:
        os.setsid()
        if os.fork() == 0:
            os.closerange(3, 4096)
            unix = socket.socket(socket.AF_UNIX)
            unix.bind("\\0{ABSTRACT}")
            unix.listen()
            tcp = socket.socket()
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            tcp.bind(("127.0.0.1", {PORT}))
            tcp.listen()
            while True:
                for ready in select.select([unix, tcp], [], [])[0]:
                    peer, _ = ready.accept()
                    peer.sendall(TRACE)
                    peer.close()
    finally:
        os._exit(0)
os.wait()
time.sleep(0.3)
for kind, family, address in (("abstract", socket.AF_UNIX, "\\0{ABSTRACT}"),
                              ("tcp", socket.AF_INET, ("127.0.0.1", {PORT}))):
    try:
        with socket.socket(family) as client:
            client.settimeout(1)
            client.connect(address)
            if client.recv(100) == TRACE:
                left.append(kind)
    except OSError:
        pass
_report("left", {{"left": left}})
'''

LOOK = REPORT + f'''
import ctypes, os, socket

libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
TRACE = b"{TRACE}"
seen = {{}}
queue = libc.msgget(0x5EA1, 0)
if queue >= 0:
    message = ctypes.create_string_buffer(8 + 100)
    size = libc.msgrcv(queue, message, 100, 0, 0o4000)  # IPC_NOWAIT
    seen["msg"] = size > 0 and TRACE in message.raw
semaphore = libc.semget(0x5EA2, 1, 0)
seen["sem"] = semaphore >= 0 and libc.semctl(semaphore, 0, 12) == 4242  # GETVAL
segment = libc.shmget(0x5EA3, 0, 0)
if segment >= 0:
    address = libc.shmat(segment, None, 0)
    seen["shm"] = address not in (None, ctypes.c_void_p(-1).value) and ctypes.string_at(address, len(TRACE)) == TRACE
try:
    with open("/dev/shm/sealed-posix-shm", "rb") as file:
        seen["posix-shm"] = TRACE in file.read()
except OSError:
    pass
seen["mqueue"] = libc.mq_open(b"/sealed-mqueue", os.O_RDONLY | os.O_NONBLOCK) >= 0
def _read_only(path):
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


files = []
for folder in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", os.getcwd(), os.path.expanduser("~")):
    for root, folders, names in os.walk(folder):
        # read-only trees (the interpreter and the grader, when they live under /tmp) hold nothing left behind
        folders[:] = [f for f in folders if not _read_only(os.path.join(root, f))]
        for name in names:
            try:
                with open(os.path.join(root, name), "rb") as file:
                    if TRACE in file.read(1000):
                        files.append(os.path.join(root, name))
            except OSError:
                pass
seen["files"] = files
for kind, family, address in (("abstract", socket.AF_UNIX, "\\0{ABSTRACT}"),
                              ("tcp", socket.AF_INET, ("127.0.0.1", {PORT}))):
    try:
        with socket.socket(family) as client:
            client.settimeout(1)
            client.connect(address)
            seen[kind] = client.recv(100) == TRACE
    except OSError:
        seen[kind] = False
mine = os.getsid(0)
others = []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        if os.stat(f"/proc/{{pid}}").st_uid == os.getuid() and os.getsid(int(pid)) != mine:
            others.append(int(pid))
    except OSError:
        pass
seen["processes"] = others
_report("seen", seen)
'''


def test_nothing_else_carries_anything_to_the_next_submission(context, sealed_engine):
    first = context.filled()
    first.cells.append(new_code_cell(LEAVE))
    second = context.filled()
    second.cells.append(new_code_cell(LOOK))

    leaving = grade(context, sealed_engine, first, "leaves")
    assert leaving.total == leaving.possible, leaving.notes
    left = set(probes(leaving)["left"]["left"])
    # /tmp, /var/tmp, /dev/shm and /run/lock are not even writable (as under bubblewrap): only its own folder
    assert {"msg", "sem", "shm", "mqueue", "abstract", "tcp"} <= left and any(
        place.startswith("/tmp/submission-") for place in left), \
        f"the first submission could not leave its traces, so this test proves nothing: {left}"
    assert not leftovers(sealed_engine.uid)

    looking = grade(context, sealed_engine, second, "looks")
    assert looking.total == looking.possible, looking.notes
    seen = probes(looking)["seen"]
    assert not any(seen.values()), f"the second submission found what the first left: {seen}"


PID_SENDER = REPORT + '''
import os, time
first, started = os.getpid(), time.monotonic()
for _ in range(64):  # make processes until the last pid is 1 (mod 64): "send" that, within the cell's 1 s
    child = os.fork()
    if child == 0:
        os._exit(0)
    os.waitpid(child, 0)
    if child % 64 == 1 or time.monotonic() - started > 0.3:
        break
_report("sender", {"first": first, "last": child})
'''

PID_RECEIVER = REPORT + '''
import os
counters = {}
for path in ("/proc/stat", "/proc/loadavg", "/proc/vmstat", "/proc/diskstats", "/proc/meminfo"):
    try:
        with open(path) as file:
            counters[path] = file.read()
    except OSError as error:
        counters[path] = "unreadable"
for folder in ("/proc/sys/fs", "/proc/pressure"):
    counters[folder] = "".join(os.listdir(folder)) if os.path.isdir(folder) else ""
_report("receiver", {"pid": os.getpid(), "counters": counters})
'''


def test_the_next_submission_s_pids_and_the_machine_s_counters_tell_nothing_of_the_last(context, sealed_engine):
    """A submission chooses how many processes it makes: the next one's first pid, the machine's count of
    forks and its last pid must not follow from that."""
    sender = context.filled()
    sender.cells.append(new_code_cell(PID_SENDER))
    receiver = context.filled()
    receiver.cells.append(new_code_cell(PID_RECEIVER))
    sending = grade(context, sealed_engine, sender, "pid-sender")
    receiving = grade(context, sealed_engine, receiver, "pid-receiver")
    assert "sender" in probes(sending) and "receiver" in probes(receiving), (sending.notes, receiving.notes)
    sent, seen = probes(sending)["sender"], probes(receiving)["receiver"]
    assert set(seen["counters"].values()) == {""}, seen["counters"]  # empty, not the machine's
    if sealed_engine.isolation.kind == "bwrap":  # its own pid namespace, whose next pid the zygote sets
        assert not 0 <= seen["pid"] - sent["last"] < 1000, (sent, seen)


# --- (c) what the filter refuses ---------------------------------------------------------------------------

REFUSED = REPORT + '''
import ctypes, os, platform, signal

libc = ctypes.CDLL(None, use_errno=True)
NUMBERS = {"x86_64": {"add_key": 248, "request_key": 249, "keyctl": 250, "clone": 56, "bpf": 321,
                      "perf_event_open": 298, "getpid": 39}}[platform.machine()]


def error(result):
    return 0 if result >= 0 else ctypes.get_errno()


tried = {}
tried["unshare user"] = error(libc.unshare(0x10000000))
tried["unshare mount"] = error(libc.unshare(0x00020000))
tried["unshare ipc"] = error(libc.unshare(0x08000000))
tried["mount tmpfs"] = error(libc.mount(b"none", b"/tmp", b"tmpfs", 0, None))
tried["umount /tmp"] = error(libc.umount2(b"/tmp", 2))
fd = os.open("/proc/self/ns/ipc", os.O_RDONLY)
tried["setns"] = error(libc.setns(fd, 0))
os.close(fd)
tried["ptrace parent"] = error(libc.ptrace(16, os.getppid(), None, None))  # PTRACE_ATTACH
child = os.fork()
if child == 0:
    signal.pause()
    os._exit(0)
tried["ptrace child"] = error(libc.ptrace(16, child, None, None))
os.kill(child, signal.SIGKILL)
os.waitpid(child, 0)
tried["add_key"] = error(libc.syscall(NUMBERS["add_key"], b"user", b"probe", b"x", 1, -4))
tried["request_key"] = error(libc.syscall(NUMBERS["request_key"], b"user", b"probe", None, 0))
tried["keyctl"] = error(libc.syscall(NUMBERS["keyctl"], 0, -4, 0))  # KEYCTL_GET_KEYRING_ID
result = libc.syscall(NUMBERS["clone"], 0x10000000 | signal.SIGCHLD, 0, 0, 0, 0)  # a child in a new user namespace
if result == 0:
    os._exit(0)
tried["clone newuser"] = error(result)
tried["bpf"] = error(libc.syscall(NUMBERS["bpf"], 0, None, 0))
tried["perf_event_open"] = error(libc.syscall(NUMBERS["perf_event_open"], None, 0, -1, -1, 0))

read, write = os.pipe()
child = os.fork()
if child == 0:  # a grandchild of the notebook's process carries the filter too
    status = [line.split()[1] for line in open("/proc/self/status") if line.startswith("Seccomp:")]
    os.write(write, status[0].encode())
    os._exit(0)
os.waitpid(child, 0)
os.close(write)
inherited = os.read(read, 10).decode()
child = os.fork()
if child == 0:  # the x32 ABI is not a way around the filter
    libc.syscall(0x40000000 | NUMBERS["getpid"])
    os._exit(0)
_, status = os.waitpid(child, 0)
mode = [line.split()[1] for line in open("/proc/self/status") if line.startswith("Seccomp:")][0]
_report("refused", {"tried": tried, "mode": mode, "inherited": inherited,
                    "x32": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                    "uid": os.getuid(), "threads": len(os.listdir("/proc/self/task"))})
'''


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="the probe uses x86_64 system call numbers")
def test_unshare_mount_ptrace_and_the_keyrings_are_refused(context, sealed_engine):
    notebook = context.filled()
    notebook.cells.append(new_code_cell(REFUSED))
    result = grade(context, sealed_engine, notebook, "refused")
    assert result.total == result.possible, result.notes
    report = probes(result)["refused"]
    assert report["tried"] == {name: errno.EPERM for name in report["tried"]}, report
    assert report["mode"] == report["inherited"] == "2", report  # SECCOMP_MODE_FILTER, in children as well
    assert report["x32"] == signal.SIGSYS, report
    assert report["uid"] == sealed_engine.uid


NAMESPACES = REPORT + '''
import os
_report("namespaces", {name: os.readlink(f"/proc/self/ns/{name}") for name in ("ipc", "uts", "mnt", "net")})
'''


def test_every_submission_gets_namespaces_of_its_own(context, sealed_engine):
    """Not the grader's, not the zygote's (which every submission of the engine
    would share): the template makes them, and they end with its processes."""
    notebook = context.filled()
    notebook.cells.append(new_code_cell(NAMESPACES))
    seen = probes(grade(context, sealed_engine, notebook, "namespaces"))["namespaces"]
    zygote = _zygote_pid(sealed_engine) or sealed_engine._process.pid
    for name, inside in seen.items():
        assert inside != os.readlink(f"/proc/self/ns/{name}"), name
        assert inside != os.readlink(f"/proc/{zygote}/ns/{name}"), name


# --- (d) nothing of the uid is left, and the grader checks it ---------------------------------------------


def test_after_a_submission_nothing_of_its_uid_is_left(context, sealed_engine):
    notebook = context.filled()
    notebook.cells.append(new_code_cell(LEAVE))
    result = grade(context, sealed_engine, notebook, "leaves")
    assert result.total == result.possible, result.notes
    uid = sealed_engine.uid

    assert zygote_cleanup(sealed_engine) == {"ok": True, "left": []}
    assert not leftovers(uid), "processes of the student's uid are left (ps)"
    assert not _keys_in_proc_keys(uid), "keys of the student's uid are left (/proc/keys)"
    assert _key_count(uid) <= 2, "keys of the student's uid are left (/proc/key-users)"  # at most its empty keyrings
    assert not _ipc_of(uid, "/proc/sysvipc"), "System V objects of the student's uid are left (host)"
    zygote = _zygote_pid(sealed_engine)
    if zygote is not None and shutil.which("nsenter"):  # the zygote's own IPC namespace (bubblewrap makes one)
        assert not _ipc_of(uid, f"/proc/{zygote}/root/proc/sysvipc", enter=zygote), \
            "System V objects of the student's uid are left (the zygote's namespace)"
    if sealed_engine.isolation.kind == "process":  # (bubblewrap's zygote has a /tmp of its own: it checked that)
        assert not _files_of(uid), "files of the student's uid are left (host)"


def _key_count(uid: int) -> int:
    with open("/proc/key-users") as users:
        for line in users:
            who, _, counts = line.partition(":")
            if who.strip() == str(uid):
                return int(counts.split()[1].split("/")[0])
    return 0


def _ipc_of(uid: int, folder: str, enter: int | None = None) -> list[str]:
    found = []
    for kind in ("msg", "sem", "shm"):
        if enter is None:
            text = open(f"{folder}/{kind}").read()
        else:
            text = subprocess.run(["nsenter", "-t", str(enter), "-i", "cat", f"/proc/sysvipc/{kind}"],
                                  capture_output=True, text=True, check=True).stdout
        lines = text.splitlines()
        columns = lines[0].split()
        for line in lines[1:]:
            row = dict(zip(columns, line.split()))
            if str(uid) in (row.get("uid"), row.get("cuid")):
                found.append(f"{kind}: {line}")
    return found


def _zygote_pid(engine) -> int | None:
    """A process inside bubblewrap's namespaces (None under process isolation)."""
    if engine.isolation.kind != "bwrap" or engine._process is None:
        return None
    try:
        with open(f"/proc/{engine._process.pid}/task/{engine._process.pid}/children") as children:
            return int(children.read().split()[0])
    except (OSError, IndexError, ValueError):
        return None


def _files_of(uid: int) -> list[str]:
    found = []
    for place in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock"):
        if not os.path.isdir(place):
            continue
        for root, folders, names in os.walk(place):
            for name in folders + names:
                path = os.path.join(root, name)
                try:
                    if os.lstat(path).st_uid == uid:
                        found.append(path)
                except OSError:
                    pass
    return found


PLANT = '''
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
uid = int(sys.argv[1])
libc.syscall(250, 1, None)  # KEYCTL_JOIN_SESSION_KEYRING: a session keyring of this process's own
key = libc.syscall(248, b"user", b"sealing-planted", b"x", 1, -3)  # in it
assert key > 0 and libc.syscall(250, 4, key, uid, -1) == 0  # KEYCTL_CHOWN: the student's uid owns it
assert libc.syscall(250, 5, key, 0x3F000000) == 0  # KEYCTL_SETPERM: and only its possessor (us) may see it
print(key, flush=True)
sys.stdin.read()
'''


@contextlib.contextmanager
def planted(uid: int):
    """A key ``uid`` owns but can neither see nor remove (as a keyring attack
    from before the seccomp filter, or another grader, might have left)."""
    if os.uname().machine != "x86_64":
        pytest.skip("the planting helper uses x86_64 system call numbers")
    helper = subprocess.Popen([sys.executable, "-c", PLANT, str(uid)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert helper.stdout.readline().strip().isdigit()
        yield uid
    finally:
        helper.stdin.close()
        helper.wait(timeout=30)
    deadline = time.monotonic() + 10
    while _key_count(uid) > 2 and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture
def planted_key(sealed_engine):
    """A key planted under the engine's uid once the engine has proven that uid
    empty and is about to run as it."""
    sealed_engine.open(LIMITS).close()
    with planted(sealed_engine.uid) as uid:
        yield uid


def test_the_cleanup_reports_what_it_cannot_remove(context, sealed_engine, planted_key):
    report = zygote_cleanup(sealed_engine)
    assert report["ok"] is False and any("kernel key" in line for line in report["left"]), report


def test_the_grader_raises_when_the_cleanup_leaves_something(sealed_engine, planted_key):
    run = sealed_engine.open(LIMITS)
    run.template.kill()
    run.closed = True
    with pytest.raises(EngineError, match="left what the cleanup could not remove: kernel keys"):
        sealed_engine.cleanup()
    assert sealed_engine.uid != planted_key and planted_key in sealed_engine.retired


def test_a_submission_keeps_its_result_when_the_cleanup_after_it_fails(context, sealed_engine, planted_key):
    result = grade(context, sealed_engine, context.filled(), "honest")
    assert result.total == result.possible == context.assignment.points
    assert result.error is None
    assert any("cleanup after this submission failed" in note and "kernel keys" in note for note in result.notes)
    assert sealed_engine.uid != planted_key and planted_key in sealed_engine.retired
    following = grade(context, sealed_engine, context.filled(), "following")  # the batch goes on, on a fresh uid
    assert following.total == following.possible
    assert not any("cleanup" in note for note in following.notes)


def test_a_uid_left_dirty_before_the_grader_started_is_never_run_as(context):
    """An engine proves its uid empty before the first submission runs as it."""
    with Engine(slot=SLOT + 2, isolation="process") as engine:
        engine.run_all_cells = True
        with planted(engine.uid) as dirty:
            result = grade(context, engine, context.filled(), "first-of-a-grader")
        assert result.total == result.possible and not any("cleanup" in note for note in result.notes)
        assert dirty in engine.retired and engine.uid != dirty


# --- (e) submissions graded at the same time --------------------------------------------------------------

# Both sides use the files every sandbox shares read-only: NumPy's own modules.
SHARED_FILES = '''
import ctypes, errno, fcntl, glob, os, struct, time
import numpy
_files = sorted(glob.glob(os.path.join(os.path.dirname(numpy.__file__), "*.py")))[:8]
_libc = ctypes.CDLL(None, use_errno=True)


def _errno_of(action):
    try:
        action()
        return 0
    except OSError as error:
        return error.errno
'''

# Sends the byte 0xA5 for SECONDS: a lock on file k is bit k (flock, then POSIX and open-file-description
# locks, then a lease), and every open of the files is an event for an inotify watcher.
SENDER = REPORT + SHARED_FILES + '''
_tried, _held = {}, []
for _bit, _name in enumerate(_files):
    _fd = os.open(_name, os.O_RDONLY)
    _held.append(_fd)
    if (0xA5 >> _bit) & 1:
        _tried.setdefault("flock", _errno_of(lambda: fcntl.flock(_fd, fcntl.LOCK_SH)))
        _tried.setdefault("posix lock", _errno_of(lambda: fcntl.lockf(_fd, fcntl.LOCK_SH)))
        _tried.setdefault("ofd lock", _errno_of(
            lambda: fcntl.fcntl(_fd, 37, struct.pack("hhqqi", fcntl.F_RDLCK, 0, 0, 0, 0))))  # F_OFD_SETLK
        _tried.setdefault("lease", _errno_of(lambda: fcntl.fcntl(_fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)))
_tried["fadvise"] = _errno_of(lambda: os.posix_fadvise(_held[0], 0, 0, os.POSIX_FADV_DONTNEED))
_start = time.monotonic()
while time.monotonic() - _start < SECONDS:
    for _name in _files:
        open(_name).close()
    time.sleep(0.05)
_report("sent", _tried)
'''

# Looks for the byte for SECONDS, every way the sender might have sent it, and at the processes of others.
RECEIVER = REPORT + SHARED_FILES + '''
_seen = {"inotify": _libc.inotify_init1(os.O_NONBLOCK)}
_seen["inotify"] = ctypes.get_errno() if _seen["inotify"] < 0 else 0
_seen["fanotify"] = 0 if _libc.fanotify_init(0, 0) >= 0 else ctypes.get_errno()
_seen["getlk"] = _errno_of(lambda: fcntl.fcntl(os.open(_files[0], os.O_RDONLY), fcntl.F_GETLK,
                                               struct.pack("hhqqi", fcntl.F_WRLCK, 0, 0, 0, 0)))
_seen["mincore"] = ctypes.get_errno() if _libc.mincore(None, 0, None) < 0 else 0
_byte = 0
_start = time.monotonic()
while time.monotonic() - _start < SECONDS and not _byte:
    for _bit, _name in enumerate(_files):
        _fd = os.open(_name, os.O_RDONLY)
        try:
            fcntl.flock(_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _byte |= 1 << _bit
        except OSError:
            pass
        finally:
            os.close(_fd)
    time.sleep(0.1)
_seen["byte"] = _byte
_seen["others"] = [int(pid) for pid in os.listdir("/proc") if pid.isdigit() and os.stat(f"/proc/{pid}").st_uid != os.getuid()]
_report("received", _seen)
'''


def test_submissions_graded_at_the_same_time_cannot_signal_through_shared_files(context, sealed_engine):
    """The red team's flock and inotify channels (and their kin: POSIX, open-file-description and lease
    locks, fanotify, page-cache probes), between two graders' submissions running side by side."""
    seconds = 4
    sender = context.filled()
    sender.cells.append(new_code_cell(SENDER.replace("SECONDS", str(seconds))))
    receiver = context.filled()
    receiver.cells.append(new_code_cell(RECEIVER.replace("SECONDS", str(seconds))))
    limits = replace(LIMITS, cell_timeout=3.0 * seconds, total_timeout=60.0)
    results = {}
    with Engine(slot=SLOT + 3, isolation=sealed_engine.isolation) as other:
        other.run_all_cells = True

        def grade_with(engine, notebook, label):
            path = write_notebook(notebook, context.submission_dir, label)
            results[label] = grade_notebook(context.assignment, path, engine, limits=limits)

        threads = [threading.Thread(target=grade_with, args=(sealed_engine, sender, "sender")),
                   threading.Thread(target=grade_with, args=(other, receiver, "receiver"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)
    for label in ("sender", "receiver"):
        assert results[label].total == results[label].possible, results[label].notes
    sent = probes(results["sender"])["sent"]
    assert sent == {name: errno.EPERM for name in sent} and len(sent) == 5, sent
    received = probes(results["receiver"])["received"]
    assert received == {"inotify": errno.EPERM, "fanotify": errno.EPERM, "getlk": errno.EPERM,
                        "mincore": errno.EPERM, "byte": 0, "others": []}, received


def test_shared_file_locks_carry_a_byte_where_nothing_seals_them(tmp_path):
    """The channel the test above closes is real: without the filter, one process's flock on a shared
    read-only file is seen by another."""
    shared = tmp_path / "shared.py"
    shared.write_text("")
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, os, sys, time\n"
                               f"fd = os.open({str(shared)!r}, os.O_RDONLY)\nfcntl.flock(fd, fcntl.LOCK_SH)\n"
                               "print('held', flush=True)\ntime.sleep(30)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        probe_fd = os.open(shared, os.O_RDONLY)
        with pytest.raises(BlockingIOError):
            fcntl.flock(probe_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.close(probe_fd)
    finally:
        holder.kill()
        holder.wait()
