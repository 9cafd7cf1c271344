"""The trusted side of the engine: start the sandboxed zygote, run a
submission's cells, call its functions, enforce time limits, kill what hangs.

Every process on the other side is reached through a ``Channel`` (channel.py);
replies are read by replies.py.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field

from autograder.engine import cgroups, protocol
from autograder.engine.channel import Channel, ProcessLost, is_child_of, pid_of
from autograder.engine.interface import EngineError, Limits
from autograder.engine.run import GRACE, BaseRun
from autograder.engine.sandbox import Isolation, choose_isolation, claim_student_uid, zygote_command, zygote_environment
from autograder.messages import WORKER, lost_reason, say


# Memory still charged to the engine's control group after a cleanup, above which the next submission
# gets a group of its own: normally 5 to 10 MB (the zygote's and the prepared template's own), but a
# submission can leave memory that the kernel frees only later (a private /tmp held by a cycle of unix
# sockets is freed by the kernel's garbage collector, seconds after its last process), and it would
# count against the next submission's limit.
LINGERING_MB = 64


class Engine:
    """One sandboxed zygote, pre-warmed, forking a fresh process per submission.
    Engines are independent: a pool runs one per worker slot."""

    def __init__(self, slot: int = 0, isolation: str | Isolation = "auto", warm_up: bool = True):
        """``slot``: this engine's place in a pool (it picks the sandbox uid);
        ``isolation``: "auto", a mode of ``sandbox.choose_isolation``, or an
        Isolation already chosen; ``warm_up``: load once what every
        submission's process shares (for many notebooks; False for one).
        Nothing starts until ``start`` or ``open``."""
        self.slot = slot
        self.warm_up = warm_up
        self.run_all_cells = False  # run every cell, not only those graded functions depend on
        self.batch_calls = True  # the first calls of a submission's cases a round at a time (scoring.prefetch)
        self.isolation = isolation if isinstance(isolation, Isolation) else choose_isolation(isolation)
        self._uid_claim = claim_student_uid(slot)
        self.uid = self._uid_claim.uid if self._uid_claim else None
        self._proven = False  # a cleanup found nothing of the uid: a submission may run as it
        self._released = False  # close() gave the uid up: claim one again before running anything
        self.retired: list[int] = []  # uids a cleanup could not empty: held, never run as again
        self._retired_claims: list = []
        self._process: subprocess.Popen | None = None
        self._sock: socket.socket | None = None
        self._group: cgroups.Group | None = None  # the zygote's, and so every submission's (cgroups.py)
        self._old_groups: list[cgroups.Group] = []  # left with memory still charged: removed once empty
        self._zygote_pid: int | None = None  # in the grader's namespace, as the zygote's pidfd told
        self._command: list[str] = []
        self._greeted = False  # the zygote said it is ready

    def start(self) -> None:
        """Start the sandbox and return at once; the first ``open`` waits until
        it is ready. A command that grades one notebook starts it first and
        reads the notebook and its tests meanwhile."""
        if self._process is None:
            self._launch()

    def _start(self) -> None:
        self._launch()
        self._greet()

    def _launch(self) -> None:
        ours, theirs = socket.socketpair()
        self._command = zygote_command(self.isolation, theirs.fileno(), self.warm_up)
        self._process = subprocess.Popen(self._command, pass_fds=[theirs.fileno()], env=zygote_environment(),
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, start_new_session=True)
        theirs.close()
        self._sock = ours
        self._greeted = False

    def _greet(self) -> None:
        """Wait for the zygote's "ready". EngineError if it does not come."""
        ours, command = self._sock, self._command
        if ours is None:
            raise EngineError("the sandbox did not start")
        ours.settimeout(60)
        try:
            header, _ = protocol.receive(ours, time.monotonic() + 60)
        except (EOFError, OSError, protocol.ProtocolError) as error:
            self._stop()
            raise EngineError(f"the sandbox did not start ({error}); command: {' '.join(command[:3])} ...") from None
        if header.get("ready") is not True:
            self._stop()
            said = header.get("error")  # the zygote's own words, before any student code ran
            raise EngineError("the sandbox did not start: " + (said[:300] if isinstance(said, str) and said
                                                                else "it sent an unexpected greeting"))
        try:
            zygote = Channel(ours, -1).receive_pidfd(60)
        except ProcessLost:
            self._stop()
            raise EngineError("the sandbox did not start: it sent no handle on itself") from None
        try:
            self._confine_zygote(zygote)
        finally:
            os.close(zygote)
        self._greeted = True

    def _confine_zygote(self, pidfd: int) -> None:
        """Put the zygote in the engine's control group (made the first time):
        every template is born in the group."""
        self._zygote_pid = pid_of(pidfd)
        try:
            if self._group is None:
                self._group = cgroups.confine(pidfd, None, None)
            else:
                self._group.add(pidfd)
        except OSError as error:
            self._stop()
            raise EngineError(f"the sandbox's control group could not be made: {error}") from None

    def open(self, limits: Limits) -> "Run":
        """A fresh process for one submission, as a uid that a cleanup has
        proven empty (a uid an earlier grader left dirty is retired first)."""
        for _ in range(3):
            if self._released:  # closed and used again, or a retired uid not replaced: a uid of its own
                self._claim_uid()
            if self._process is None or self._process.poll() is not None:
                self._stop()
                self._start()
            elif not self._greeted:  # started early (start()): ready by now, or soon
                self._greet()
            try:
                if not self._proven:
                    self.cleanup()
            except EngineError:
                continue  # retired: the next uid is proven in turn
            if self._proven:
                break
        else:
            raise EngineError(f"no sandbox uid could be proven empty (retired: {', '.join(map(str, self.retired))})")
        try:
            if self._group is not None:
                self._group.limit(limits.memory_mb, limits.processes)
        except OSError as error:
            raise EngineError(f"the submission's control group could not be limited: {error}") from None
        if self._sock is None:  # _start() always makes one, or raises
            raise EngineError("the sandbox did not start")
        zygote = Channel(self._sock, -1)  # the zygote's own process is ours to stop, not to signal
        header = {"op": "start", "limits": {"uid": self.uid, "memory_mb": limits.memory_mb,
                                            "processes": limits.processes, "file_mb": limits.file_mb,
                                            "cpu_seconds": int(limits.total_timeout) + 5}}
        try:
            zygote.request(header, timeout=30)
            template = zygote.receive_channel(30)
        except ProcessLost:
            self._stop()  # the zygote was killed (by a student?): start afresh next time
            raise EngineError("the sandbox stopped answering") from None
        self._proven = False  # a submission runs as the uid from now on
        return Run(self, template, limits)

    def cleanup(self, prepare: bool = False) -> None:
        """Kill every process the last submission left behind, and have the
        zygote prove that nothing of its uid is left (processes, kernel keys,
        System V objects, files). EngineError if something is: the zygote is
        stopped and the uid retired (held, never run as again; a fresh uid
        is claimed), so the next submission cannot find it. With ``prepare``,
        the zygote forks the next submission's template at once, which sets
        up what needs neither the uid nor the limits while the grader reads
        the next notebook (child.py)."""
        if self._group is not None:
            self._group.kill(keep=self._zygote_pid)
        if self._sock is None:
            return
        try:
            self._sock.settimeout(30)
            # a command that grades one notebook needs no next template
            protocol.send(self._sock, {"op": "cleanup", "uid": self.uid, "next": prepare and self.warm_up})
            header, _ = protocol.receive(self._sock, time.monotonic() + 30)
        except (EOFError, OSError, protocol.ProtocolError):
            self._stop()  # nothing proven: the next open() proves the uid with a fresh zygote
            return
        left = header.get("left")
        if header.get("ok") is True and not left:
            self._proven = True
            self._leave_lingering_memory()
            return
        uid = self.uid
        self._stop()
        self._retire_uid()
        raise EngineError(f"the last submission left what the cleanup could not remove: {left_summary(left)}; "
                          f"the sandbox uid {uid} is not used again")

    def _leave_lingering_memory(self) -> None:
        """If the last submission left memory charged to the group (LINGERING_MB),
        move the zygote and the template it prepared to a fresh group: the
        next submission gets all of its memory limit. The old group is removed
        once the kernel has freed what it holds."""
        self._old_groups = [group for group in self._old_groups if not group.remove(wait=0)]
        if self._group is None or self._group.usage_mb() <= LINGERING_MB:
            return
        try:
            fresh = self._group.successor()
        except OSError as error:
            self._stop()
            raise EngineError(f"the sandbox's control group could not be renewed: {error}") from None
        self._old_groups.append(self._group)
        self._group = fresh

    def _retire_uid(self) -> None:
        if self._uid_claim is None:
            return
        self.retired.append(self._uid_claim.uid)
        self._retired_claims.append(self._uid_claim)  # still locked: no engine on this machine claims it
        self._claim_uid()

    def _claim_uid(self) -> None:
        """A sandbox uid of this engine's own (none when the grader is not root).
        EngineError if every one is taken: the engine then holds none, and
        runs nothing until a later open() can claim one."""
        self._uid_claim, self.uid, self._proven = None, None, False
        self._released = True
        try:
            self._uid_claim = claim_student_uid(self.slot)
        except RuntimeError as error:
            raise EngineError(str(error)) from None
        self.uid = self._uid_claim.uid if self._uid_claim else None
        self._released = False

    def close(self) -> None:
        """Stop everything and give the uid up, only once nothing of it runs:
        the zygote kills every process of the uid first. An engine used again
        after close() claims a uid anew; it never runs code as a uid it let go.
        A retired uid is let go too: whoever claims it next proves it empty first."""
        try:
            self.cleanup()
        except EngineError:
            pass  # retired, and released below like the rest
        self._stop()
        if self._group is not None and self._group.remove():
            self._group = None
        self._old_groups = [group for group in self._old_groups if not group.remove(wait=1.0)]
        for claim in [self._uid_claim, *self._retired_claims]:
            if claim is not None:
                claim.release()
        self._uid_claim, self._retired_claims = None, []
        self.uid = None
        self._released, self._proven = True, False

    def _stop(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._process is not None:
            try:
                os.killpg(self._process.pid, signal.SIGKILL)
            except OSError:
                pass
            self._process.wait()
            self._process = None
        self._zygote_pid = None
        if self._group is not None:
            self._group.kill()  # what the zygote left: a zygote started again starts in an empty group

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@dataclass
class Run(BaseRun):
    """One submission's processes: the template that ran the cells, and a
    worker forked from it that answers calls (re-forked after a kill). What
    it decides is ``BaseRun``'s."""

    engine: Engine
    template: Channel
    limits: Limits
    started: float = field(default_factory=time.monotonic)
    worker: Channel | None = None
    contract: frozenset[str] = frozenset()
    stuck: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    tampered: bool = False
    closed: bool = False

    def _worker(self) -> Channel:
        if self.worker is None:
            timeout = min(10.0, max(self.remaining(), 0.0) + GRACE)
            try:
                self.template.request({"op": "fork"}, timeout=timeout)
                self.tampered = self.tampered or self.template.tampered
                worker = self.template.receive_channel(timeout)
            except ProcessLost as lost:
                raise ProcessLost(WORKER["failed"].format(reason=lost_reason(str(lost)))) from None
            if not is_child_of(worker.pidfd, self.template.pidfd):
                # The notebook's process is the student's: it could hand us another process to kill later.
                worker.kill_channel_only()
                raise ProcessLost(WORKER["foreign"])
            self.worker = worker
        return self.worker

    def _drop_worker(self) -> None:
        if self.worker is not None:
            self.worker.kill()
            self.worker = None

    def close(self) -> None:
        """Kill the submission's processes and have the engine clean up after
        them; a failed cleanup is a note, the result stands. Once only."""
        if self.closed:
            return
        self.closed = True
        self._drop_worker()
        self.template.kill()
        try:
            self.engine.cleanup(prepare=True)
        except EngineError as error:  # the submission's result stands; the engine goes on with a fresh uid
            self.notes.append(say("cleanup_failed", reason=error))


LEFT_KINDS = (("process ", "processes"), ("System V ", "System V IPC objects"), ("file ", "files"))


def left_summary(left) -> str:
    """What a cleanup reported it could not remove, by kind, in the grader's
    words: its lines carry names (files, process names) the student chose."""
    kinds: list[str] = []
    for line in left if isinstance(left, list) else [None]:
        text = line if isinstance(line, str) else ""
        kind = ("kernel keys" if "kernel key" in text else
                next((label for prefix, label in LEFT_KINDS if text.startswith(prefix)), "traces it could not name"))
        if kind not in kinds:
            kinds.append(kind)
    count = len(left) if isinstance(left, list) else 0
    return ", ".join(kinds) + (f" ({count} in all)" if count > 1 else "")

