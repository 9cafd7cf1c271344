"""A control group per engine: the memory and process count of the
submission it grades taken together, whatever the submission forks or keeps
in memory files.

The rlimits a template sets (child.py) hold per process: RLIMIT_AS counts one
process's address space, so five forked children may each use the whole
memory limit, and memory in tmpfs files is in no address space at all. A
memory cgroup counts every page its processes use, tmpfs and shared memory
included, and a pids cgroup every process and thread. The grader (root, on
the trusted side: the sandbox has no /sys) puts the engine's zygote in a
group of its own once, as it starts, so every template it forks is born in
the group, before any cell runs, and so is everything the submission starts.
Moving a process into a group later costs the grader an RCU grace period
(about 10 ms here, in cgroup v1), which a group per submission paid every
time. The engine grades one submission at a time: the cleanup kills every
process of the group but the zygote (``Group.kill``) before the next one.
The zygote's own share is small (what it allocates after it is moved: its
imports were charged before) and is covered by MARGIN_MB; the kernel's OOM
killer chooses a submission's process before it (child.py, ``_oom_first``).

cgroup v2 (``memory.max``, ``memory.swap.max``, ``pids.max``) is used where
its memory and pids controllers can be had; else cgroup v1's memory and pids
hierarchies (``memory.limit_in_bytes``, ``memory.memsw.limit_in_bytes``,
``pids.max``). Where neither is writable, ``unavailable_reason`` says why
and the grader says in its isolation warning that the total is not enforced.
"""

from __future__ import annotations

import functools
import itertools
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.engine.channel import pid_of

# Beyond the memory limit: the submission's private /tmp (sealing.PRIVATE_PLACES, tmpfs: its pages are
# charged to the group) and the pages a forked template copies from the pre-warmed zygote as it runs.
MARGIN_MB = 320
PROCESS_MARGIN = 16  # the zygote, the template, its worker and their threads, beyond the notebook's limit
PARENT = "autograder"
_names = itertools.count()


@dataclass(frozen=True)
class Layout:
    """Where this machine's groups go: one folder (v2) or one per controller (v1)."""

    version: int
    memory: Path  # the folder new groups are made in, for memory (and pids, in v2)
    pids: Path


@dataclass
class Group:
    """One engine's control group (one folder per hierarchy)."""

    layout: Layout
    folders: tuple[Path, ...]
    limits: tuple[int | None, int | None] | None = None  # (memory_mb, processes) last set

    def add(self, pidfd: int) -> None:
        """Move the process of ``pidfd`` (and what it forks from now on) into the group.
        OSError if the kernel refuses."""
        pid = pid_of(pidfd)
        if pid is None:
            raise ProcessLookupError("the process to confine is gone")
        self._move(pid)

    def _move(self, pid: int) -> None:
        """Move process ``pid`` into every folder of the group. OSError if the kernel refuses."""
        for folder in self.folders:
            (folder / "cgroup.procs").write_text(str(pid))

    def limit(self, memory_mb: int | None, processes: int | None) -> None:
        """Set the group's memory limit to ``memory_mb`` plus MARGIN_MB and its
        process limit to ``processes`` plus PROCESS_MARGIN (None: no limit),
        unless they are set already. OSError if the kernel refuses."""
        if self.limits != (memory_mb, processes):
            _set_limits(self, memory_mb, processes)
            self.limits = (memory_mb, processes)

    def usage_mb(self) -> float:
        """Memory charged to the group now (0 if unreadable)."""
        return self._memory_mb("memory.current", "memory.usage_in_bytes") or 0.0

    def successor(self) -> "Group":
        """A new group with this one's limits holding every process of this one
        (moved, without their memory's charges). OSError if that fails."""
        group = _make(self.layout)
        try:
            group.limit(*(self.limits or (None, None)))
            for pid in _members(self.folders[0]):
                try:
                    group._move(pid)
                except ProcessLookupError:  # it ended meanwhile
                    pass
        except OSError:
            group.remove(wait=1.0)
            raise
        return group

    def kill(self, keep: int | None = None) -> None:
        """SIGKILL every process in the group but ``keep`` (a pid in the
        grader's namespace: the zygote); all of them with cgroup.kill where
        the kernel has it and none is kept."""
        for folder in self.folders:
            if keep is None and (folder / "cgroup.kill").exists():
                try:
                    (folder / "cgroup.kill").write_text("1")
                    continue
                except OSError:
                    pass
            for pid in _members(folder):
                if pid == keep:
                    continue
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass

    def remove(self, wait: float = 5.0) -> bool:
        """Kill what is left and remove the folders once their processes are
        reaped (the zygote reaps them). False if one could not be removed."""
        deadline = time.monotonic() + wait
        removed = True
        for folder in self.folders:
            while folder.exists():
                self.kill()
                try:
                    folder.rmdir()
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        removed = False
                        break
                    time.sleep(0.02)
        return removed

    def peak_memory_mb(self) -> float | None:
        """The group's peak memory use so far, where the kernel records it."""
        return self._memory_mb("memory.peak", "memory.max_usage_in_bytes")

    def _memory_mb(self, *names: str) -> float | None:
        """The first of ``names`` (v2's file, then v1's) the memory folder has, in MB."""
        for name in names:
            try:
                return int((self.folders[0] / name).read_text()) / 2**20
            except (OSError, ValueError):
                continue
        return None


def confine(pidfd: int, memory_mb: int | None, processes: int | None) -> Group | None:
    """A new group with a memory limit of ``memory_mb`` plus MARGIN_MB and a
    process limit of ``processes`` plus PROCESS_MARGIN (None: no limit yet),
    holding the process of ``pidfd``. None where this machine has no usable
    cgroups (``unavailable_reason``); OSError if making it fails where they
    are usable."""
    layout = _layout()
    if layout is None:
        return None
    group = _make(layout)
    try:
        group.limit(memory_mb, processes)
        group.add(pidfd)
    except OSError:
        group.remove(wait=1.0)
        raise
    return group


@functools.cache
def unavailable_reason() -> str:
    """Why submissions cannot be given a control group here ("" if they can)."""
    return _probe()[1]


def _layout() -> Layout | None:
    return _probe()[0]


@functools.cache
def _probe() -> tuple[Layout | None, str]:
    if os.geteuid() != 0:
        return None, "the grader does not run as root"
    problems = []
    for find in (_v2_layout, _v1_layout):
        try:
            layout = find()
        except OSError as error:
            problems.append(str(error))
            continue
        try:  # prove it: make a group, limit it, remove it
            group = _make(layout)
            try:
                group.limit(64, 8)
            finally:
                group.remove(wait=1.0)
        except OSError as error:
            problems.append(f"cgroup v{layout.version} at {layout.memory}: {error}")
            continue
        _remove_orphans(layout)
        return layout, ""
    return None, "; ".join(problems) or "no cgroup hierarchy is mounted"


def _mounts() -> list[tuple[str, str, str, set[str]]]:
    """(mount point, root inside the hierarchy, type, options) of every cgroup mount."""
    found = []
    with open("/proc/self/mountinfo") as info:
        for line in info:
            before, _, after = line.partition(" - ")
            fields, tail = before.split(), after.split()
            if len(fields) >= 5 and tail and tail[0] in ("cgroup", "cgroup2"):
                found.append((fields[4], fields[3], tail[0], set(tail[-1].split(","))))
    return found


def _own_path(controller: str) -> str:
    """This process's cgroup in the v1 hierarchy of ``controller`` ("" for v2)."""
    with open("/proc/self/cgroup") as groups:
        for line in groups:
            number, names, path = line.rstrip("\n").split(":", 2)
            if controller in names.split(","):
                return path
    raise OSError(f"this process is in no {controller} cgroup")


def _v2_layout() -> Layout:
    """v2 groups go under PARENT at the hierarchy's root, which (as the root) may
    hold processes and still hand its controllers down."""
    for point, root, kind, _ in _mounts():
        if kind != "cgroup2" or root != "/":
            continue
        base = Path(point)
        if not {"memory", "pids"} <= set((base / "cgroup.controllers").read_text().split()):
            raise OSError(f"cgroup v2 at {point} has no memory and pids controllers")
        parent = base / PARENT
        (base / "cgroup.subtree_control").write_text("+memory +pids")
        parent.mkdir(exist_ok=True)
        (parent / "cgroup.subtree_control").write_text("+memory +pids")
        return Layout(2, parent, parent)
    raise OSError("no cgroup v2 hierarchy is mounted at its root")


def _v1_layout() -> Layout:
    """v1 groups go under PARENT inside the grader's own memory and pids groups."""
    places = {}
    for point, root, kind, options in _mounts():
        for controller in ("memory", "pids"):
            if kind == "cgroup" and controller in options and controller not in places:
                own = _own_path(controller)
                if not (own + "/").startswith(root.rstrip("/") + "/"):
                    raise OSError(f"the grader's {controller} cgroup is outside what is mounted at {point}")
                places[controller] = Path(point) / own[len(root.rstrip("/")):].lstrip("/") / PARENT
    if set(places) != {"memory", "pids"}:
        raise OSError("no cgroup v1 memory and pids hierarchies are mounted")
    for place in places.values():
        place.mkdir(exist_ok=True)
    return Layout(1, places["memory"], places["pids"])


def _make(layout: Layout) -> Group:
    name = f"engine-{os.getpid()}-{next(_names)}"
    folders = (layout.memory / name,) if layout.version == 2 else (layout.memory / name, layout.pids / name)
    made = []
    try:
        for folder in folders:
            folder.mkdir()
            made.append(folder)
    except OSError:
        Group(layout, tuple(made)).remove(wait=1.0)
        raise
    return Group(layout, folders)


def _remove_orphans(layout: Layout) -> None:
    """Remove the groups of graders that ended without removing theirs (killed, say)."""
    for parent in dict.fromkeys((layout.memory, layout.pids)):
        for folder in parent.glob("engine-*-*"):
            try:
                os.kill(int(folder.name.split("-")[1]), 0)
                continue  # its grader still runs
            except ProcessLookupError:
                pass
            except (OSError, ValueError):
                continue
            for pid in _members(folder):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                folder.rmdir()
            except OSError:
                pass  # still busy: the next grader tries again


def _set_limits(group: Group, memory_mb: int | None, processes: int | None) -> None:
    memory = str((memory_mb + MARGIN_MB) * 2**20) if memory_mb else "max"
    count = str(processes + PROCESS_MARGIN) if processes else "max"
    if group.layout.version == 2:
        folder = group.folders[0]
        (folder / "memory.max").write_text(memory)
        if (folder / "memory.swap.max").exists():  # swapped-out pages would escape memory.max
            (folder / "memory.swap.max").write_text("0")
        (folder / "pids.max").write_text(count)
        return
    memory_folder, pids_folder = group.folders
    memory = memory if memory_mb else "-1"
    swap = memory_folder / "memory.memsw.limit_in_bytes"  # memory and swap together: never below the memory limit
    if swap.exists():
        swap.write_text("-1")
    (memory_folder / "memory.limit_in_bytes").write_text(memory)
    if swap.exists():
        swap.write_text(memory)
    (pids_folder / "pids.max").write_text(count)


def _members(folder: Path) -> list[int]:
    try:
        return [int(line) for line in (folder / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []
