"""Sealing each submission from the ones before and after it, done by the
zygote and each template (child.py) inside the sandbox: IPC, UTS, mount and
network namespaces of its own, a read-only view of every filesystem but
private tmpfs on the world-writable places, a /proc that shows only the
submission's own processes and none of the machine's exact counters, and
the seccomp filter (seccomp.py). Standard library only.
"""

from __future__ import annotations

import builtins as _builtins

# A private copy of the builtins for this module's functions: student code in
# the same process that patches builtins must not change what they do.
__builtins__ = dict(vars(_builtins))

import os
import socket

# Made by each template, as root, before it drops privileges: System V IPC and POSIX message queues, the
# host name, mounts (a private /tmp) and the network (abstract unix sockets, loopback) of its own.
SUBMISSION_NAMESPACES = 0x08000000 | 0x04000000 | 0x00020000 | 0x40000000  # CLONE_NEWIPC|NEWUTS|NEWNS|NEWNET
# World-writable places, each covered by an empty tmpfs of the submission's own that only root may write
# to, as under bubblewrap, of this many MB: /tmp holds the submission's own folder (as big as bubblewrap's
# /tmp, sandbox.SCRATCH_MB).
PRIVATE_PLACES = {"/tmp": 256, "/var/tmp": 1, "/dev/shm": 1, "/run/lock": 1}
# Counters of the whole machine that a submission can move by exact amounts (forks, huge-page faults,
# disk reads, mlocks, dentries...) and the next one read back: each reads empty in a submission's /proc.
COUNTERS = ("/proc/stat", "/proc/loadavg", "/proc/vmstat", "/proc/diskstats", "/proc/zoneinfo", "/proc/meminfo",
            "/proc/interrupts", "/proc/softirqs", "/proc/schedstat", "/proc/buddyinfo", "/proc/pagetypeinfo",
            "/proc/slabinfo", "/proc/swaps", "/proc/partitions", "/proc/uptime", "/proc/key-users")
COUNTER_FOLDERS = ("/proc/pressure", "/proc/sys/fs", "/proc/sys/vm")  # each covered by an empty folder
SEAL_ENV = "AUTOGRADER_SEAL"  # what the grader expects to be sealed ("seccomp,namespaces"), set by sandbox.py
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REMOUNT = 1, 2, 4, 8, 32
_MS_BIND, _MS_REC, _MS_PRIVATE = 4096, 16384, 1 << 18
_KEPT_MOUNT_FLAGS = {"nodev": _MS_NODEV, "noexec": _MS_NOEXEC, "noatime": 1024, "nodiratime": 2048,
                     "relatime": 1 << 21}


class _Seals:
    """What the zygote found that every template can do."""

    namespaces = False
    filter = None  # a built seccomp.Filter, loaded by each template


SEALS = _Seals()


def prepare_seals() -> str:
    """Build the seccomp filter and check, in a throwaway child, that a
    template can make its namespaces and load the filter. Returns what the
    grader expects (SEAL_ENV) that cannot be done here ("" if nothing)."""
    from autograder.engine import seccomp

    expected = {name for name in os.environ.pop(SEAL_ENV, "").split(",") if name}
    try:
        SEALS.filter = seccomp.build()
    except (seccomp.SeccompUnavailable, OSError):
        SEALS.filter = None
    pid = os.fork()
    if pid == 0:
        works = 0
        try:
            seal_namespaces(None)
            works |= 1
        except OSError:
            pass
        try:
            if SEALS.filter is not None:
                SEALS.filter.load()
                works |= 2
        except OSError:
            pass
        os._exit(works)
    _, status = os.waitpid(pid, 0)
    works = os.waitstatus_to_exitcode(status)
    works = works if works > 0 else 0
    SEALS.namespaces = bool(works & 1)
    if not works & 2:
        SEALS.filter = None
    found = {"namespaces"} if SEALS.namespaces else set()
    found |= {"seccomp"} if SEALS.filter is not None else set()
    return ", ".join(sorted(expected - found))


def seal_calls() -> None:
    """Load the seccomp filter: from here on, this process and everything it
    forks cannot use the calls seccomp.DENIED lists."""
    if SEALS.filter is not None:
        SEALS.filter.load()


def seal_namespaces(workdir: str | None) -> str | None:
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
    # The interpreter and this package may live under a place about to be covered (a clone in /tmp):
    # keep a detached copy of each such tree (read-only, as remounted above) and put it back on top.
    kept = [(path, _detached_tree(libc, path)) for path in _needed_under(fresh)]
    for place, size in fresh.items():
        check(libc.mount(b"tmpfs", place.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV,
                         f"size={size}m,mode=0755".encode()), f"a private {place}")
    for path, tree in kept:
        os.makedirs(path, 0o755, exist_ok=True)
        check(libc.syscall(_SYS_MOVE_MOUNT, tree, b"", _AT_FDCWD, path.encode(), _MOVE_MOUNT_F_EMPTY_PATH),
              f"{path} back in place")
        os.close(tree)
    # Submissions graded at the same time run as uids of their own: what /proc says of another's processes
    # (names, CPU time, memory) would be a channel between them. This /proc shows a uid its own alone.
    check(libc.mount(b"proc", b"/proc", b"proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, b"hidepid=2"),
          "a private /proc")
    for counter in COUNTERS:
        if os.path.exists(counter):
            check(libc.mount(b"/dev/null", counter.encode(), None, _MS_BIND, None), f"an empty {counter}")
    for folder in COUNTER_FOLDERS:
        if os.path.isdir(folder):
            check(libc.mount(b"tmpfs", folder.encode(), b"tmpfs", _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC,
                             b"size=4k,mode=0555"), f"an empty {folder}")
    if os.path.ismount("/dev/mqueue"):  # the host's queues: show this namespace's instead
        check(libc.mount(b"mqueue", b"/dev/mqueue", b"mqueue", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, None),
              "a private /dev/mqueue")
    _loopback_up()
    if workdir is None:
        return None
    private = os.path.join("/tmp", os.path.basename(workdir))
    os.mkdir(private, 0o700)
    return private


# open_tree(2) and move_mount(2) (Linux 5.2), x86-64 numbers.
_SYS_OPEN_TREE, _SYS_MOVE_MOUNT = 428, 429
_AT_FDCWD, _AT_RECURSIVE, _OPEN_TREE_CLONE, _MOVE_MOUNT_F_EMPTY_PATH = -100, 0x8000, 1, 0x4


def _needed_under(places) -> list[str]:
    """The folders the submission's process needs (the interpreter, its
    packages, this package) that lie inside one of ``places``, outermost only."""
    import sys

    package = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    needed = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, package, *sys.path)
              if p and os.path.isdir(p)}
    inside = sorted(p for p in needed if any(p.startswith(place + "/") for place in places))
    return [p for p in inside if not any(p != q and p.startswith(q + "/") for q in inside)]


def _detached_tree(libc, path: str) -> int:
    """A file descriptor holding a detached copy of the mounts at ``path``."""
    import ctypes

    tree = libc.syscall(_SYS_OPEN_TREE, _AT_FDCWD, path.encode(), _OPEN_TREE_CLONE | _AT_RECURSIVE | os.O_CLOEXEC)
    if tree < 0:
        number = ctypes.get_errno()
        raise OSError(number, f"keeping {path}: {os.strerror(number)}")
    return tree


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
