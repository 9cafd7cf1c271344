"""After every submission: kill every process of the student's uid, empty its
kernel keyrings, remove its System V objects and files, and prove that
nothing of the uid is left (what cannot be removed is reported to the
grader, which then never runs as that uid again). Runs in the zygote, as root
when the grader is; standard library only.
"""

from __future__ import annotations

import builtins as _builtins

# A private copy of the builtins for this module's functions: student code in
# the same process that patches builtins must not change what they do.
__builtins__ = dict(vars(_builtins))

import os
import shutil
import signal

# Where the zygote looks for files of the student's uid after a submission.
SHARED_PLACES = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/dev/mqueue")
SETTLE = 0.05  # seconds for processes the grader killed to end, before the uid is swept
_KEYCTL_REVOKE, _KEYCTL_CLEAR, _KEYCTL_INVALIDATE = 3, 7, 21


def reap() -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass



def remove_files_of(uid: int | None) -> None:
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



def kill_all(uid: int | None, template: int | None) -> list[str]:
    """Kill every process the last submission started, wherever it went, and
    drop the kernel keys its uid holds. Returns what could not be removed."""
    if template:
        try:
            os.killpg(template, signal.SIGKILL)
        except OSError:
            pass
    left: list[str] = []
    # The grader killed the submission's control group and its processes already: once they are reaped,
    # nothing of the uid is usually left, and no sweep (a fork of this large process, ~5 ms) is needed.
    # With none of its processes, the uid cannot start another; its keys are counted as root.
    if uid is not None and os.getuid() == 0 and (_processes_of(uid, wait=SETTLE) or _key_count(uid)):
        for _ in range(3):  # a process the student forked during the sweep is caught by the next one
            # A process with the student's uid may signal exactly the student's processes and sees its keys.
            left = _as_student(uid, _sweep_as_student)
            if not _processes_of(uid, wait=1.0):
                break
    reap()
    return left



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
        reap()
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
        _until_one_ends([pid for pid, _ in found], min(0.002, max(deadline - time.monotonic(), 0.0)))


def _until_one_ends(pids: list[int], most: float) -> None:
    """Wait until one of ``pids`` ends (its pidfd turns readable), at most
    ``most`` seconds and at least a fifth of a millisecond: the cleanup then
    looks again as soon as a killed process is gone, not at the next tick."""
    import select
    import time

    started = time.monotonic()
    handles = []
    try:
        for pid in pids[:256]:
            try:
                handles.append(os.pidfd_open(pid))
            except OSError:  # ended already
                return
        waiting = select.poll()
        for handle in handles:
            waiting.register(handle, select.POLLIN)
        waiting.poll(most * 1000)
    finally:
        for handle in handles:
            os.close(handle)
        time.sleep(max(0.0, 0.0002 - (time.monotonic() - started)))  # a zombie another process holds: no spin


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


def left_behind(uid: int | None) -> list[str]:
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
