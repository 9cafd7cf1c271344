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

from autograder.engine import protocol
from autograder.engine.calls import CallResult
from autograder.engine.channel import (REPLY_BYTES_PER_CALL, REPLY_HEADER, Channel, ProcessLost, is_child_of,
                                       lost_reason)
from autograder.engine.replies import BRIEF, read_reply, said
from autograder.engine.sandbox import Isolation, choose_isolation, claim_student_uid, zygote_command, zygote_environment

GRACE = 1.0  # seconds a soft interrupt gets before the process is killed
SAME_ARGS = object()  # in place of a call's arguments: the objects the call before it received


@dataclass
class Limits:
    cell_timeout: float = 10.0
    call_timeout: float = 10.0
    total_timeout: float = 120.0
    memory_mb: int = 1024
    processes: int = 64
    file_mb: int = 16

    @classmethod
    def from_dict(cls, values: dict) -> "Limits":
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})


class EngineError(Exception):
    """The sandbox itself failed (not the student's code)."""


class Engine:
    """One sandboxed zygote, pre-warmed, forking a fresh process per submission.
    Engines are independent: a pool runs one per worker slot."""

    def __init__(self, slot: int = 0, isolation: str | Isolation = "auto"):
        self.slot = slot
        self.isolation = isolation if isinstance(isolation, Isolation) else choose_isolation(isolation)
        self._uid_claim = claim_student_uid(slot)
        self.uid = self._uid_claim.uid if self._uid_claim else None
        self._proven = False  # a cleanup found nothing of the uid: a submission may run as it
        self._released = False  # close() gave the uid up: claim one again before running anything
        self.retired: list[int] = []  # uids a cleanup could not empty: held, never run as again
        self._retired_claims: list = []
        self._process: subprocess.Popen | None = None
        self._sock: socket.socket | None = None

    def _start(self) -> None:
        ours, theirs = socket.socketpair()
        command = zygote_command(self.isolation, theirs.fileno())
        self._process = subprocess.Popen(command, pass_fds=[theirs.fileno()], env=zygote_environment(),
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, start_new_session=True)
        theirs.close()
        self._sock = ours
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

    def open(self, limits: Limits) -> "Run":
        """A fresh process for one submission, as a uid that a cleanup has
        proven empty (a uid an earlier grader left dirty is retired first)."""
        if self._released:  # closed, then used again (a batch goes on after a grader error): a uid of its own
            self._uid_claim = claim_student_uid(self.slot)
            self.uid = self._uid_claim.uid if self._uid_claim else None
            self._released, self._proven = False, False
        for _ in range(3):
            if self._process is None or self._process.poll() is not None:
                self._start()
            try:
                if not self._proven:
                    self.cleanup()
            except EngineError:
                continue  # retired: the next uid is proven in turn
            if self._proven:
                break
        else:
            raise EngineError(f"no sandbox uid could be proven empty (retired: {', '.join(map(str, self.retired))})")
        header = {"op": "start", "limits": {"uid": self.uid, "memory_mb": limits.memory_mb,
                                            "processes": limits.processes, "file_mb": limits.file_mb,
                                            "cpu_seconds": int(limits.total_timeout) + 5}}
        zygote = Channel(self._sock, -1)  # the zygote's own process is ours to stop, not to signal
        try:
            zygote.request(header, timeout=30)
            template = zygote.receive_channel(30)
        except ProcessLost:
            self._stop()  # the zygote was killed (by a student?): start afresh next time
            raise EngineError("the sandbox stopped answering") from None
        self._proven = False  # a submission runs as the uid from now on
        return Run(self, template, limits)

    def cleanup(self) -> None:
        """Kill every process the last submission left behind, and have the
        zygote prove that nothing of its uid is left (processes, kernel keys,
        System V objects, files). EngineError if something is: the zygote is
        stopped and the uid retired (held, never run as again; a fresh uid
        is claimed), so the next submission cannot find it."""
        if self._sock is None:
            return
        try:
            self._sock.settimeout(30)
            protocol.send(self._sock, {"op": "cleanup", "uid": self.uid})
            header, _ = protocol.receive(self._sock, time.monotonic() + 30)
        except (EOFError, OSError, protocol.ProtocolError):
            self._stop()  # nothing proven: the next open() proves the uid with a fresh zygote
            return
        left = header.get("left")
        if header.get("ok") is True and not left:
            self._proven = True
            return
        uid = self.uid
        self._stop()
        self._retire_uid()
        raise EngineError(f"the last submission left what the cleanup could not remove: {left_summary(left)}; "
                          f"the sandbox uid {uid} is not used again")

    def _retire_uid(self) -> None:
        if self._uid_claim is None:
            return
        self.retired.append(self._uid_claim.uid)
        self._retired_claims.append(self._uid_claim)  # still locked: no engine on this machine claims it
        self._uid_claim = claim_student_uid(self.slot)
        self.uid = self._uid_claim.uid if self._uid_claim else None
        self._proven = False

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

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@dataclass
class Run:
    """One submission's processes: the template that ran the cells, and a
    worker forked from it that answers calls (re-forked after a kill)."""

    engine: Engine
    template: Channel
    limits: Limits
    started: float = field(default_factory=time.monotonic)
    worker: Channel | None = None
    contract: frozenset[str] = frozenset()  # names the grader may say in its messages
    # Functions that ran past the call limit once (name -> where): their later calls fail at once.
    stuck: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what the grader itself found wrong with the sandbox
    # The grader's code in the submission's processes was found changed: nothing they report about
    # themselves is trusted from then on.
    tampered: bool = False
    closed: bool = False

    def remaining(self) -> float:
        return self.limits.total_timeout - (time.monotonic() - self.started)

    def exec_cell(self, index: int, source: str) -> dict:
        """Run one cell. ProcessLost if the cell killed or hung its process."""
        timeout = min(self.limits.cell_timeout, max(self.remaining(), 0.01))
        header, _ = self.template.request({"op": "exec", "cell": index, "source": source, "timeout": timeout,
                                           "call_limit": self.limits.call_timeout}, timeout=timeout + GRACE)
        for name in _identifiers(header.get("stuck_in")):
            self.stuck.setdefault(name, f"when cell {index} called it")
        if header.get("status") == "timeout" and timeout < self.limits.cell_timeout:
            header["message"] = (f"cell {index} was interrupted: the submission used up its total time limit "
                                 f"({self.limits.total_timeout:g} s).")
        return header

    def defined(self, names: list[str]) -> dict:
        """Where each of ``names`` is defined, as the notebook's process reports
        it, kept only in the shapes the grader reads (``names``: name ->
        {callable, file}; ``ignored``: short strings)."""
        header, _ = self.template.request({"op": "names", "names": names},
                                          timeout=min(10.0, max(self.remaining(), 0.0) + GRACE))
        found = header.get("names") if isinstance(header.get("names"), dict) else {}
        places = {}
        for name in names:
            where = found.get(name)
            if isinstance(where, dict):
                file = where.get("file")
                places[name] = {"callable": where.get("callable") is True,
                                "file": file[:100] if isinstance(file, str) else None}
            else:
                places[name] = {"callable": False, "file": None}
        ignored = header.get("ignored") if isinstance(header.get("ignored"), list) else []
        return {"names": places, "ignored": [str(item)[:100] for item in ignored[:20] if isinstance(item, str)]}

    def call(self, name: str, args: tuple, *, keep_args: bool = False) -> CallResult:
        return self._calls([(name, args)], keep_args)[0]

    def call_many(self, requests: list[tuple[str, tuple]]) -> list[CallResult]:
        """Several calls in one round trip (a numerical derivative's evaluations)."""
        return self._calls(requests, keep_args=False)

    def call_twice(self, name: str, args: tuple) -> tuple[CallResult, CallResult]:
        """``name`` called on ``args``, then again on the very same argument
        objects in the student's process, both keeping their arguments: what
        the first call changed in place shows in the second call's value."""
        first, second = self._calls([(name, args), (name, SAME_ARGS)], keep_args=True)
        return first, second

    def _calls(self, requests: list[tuple[str, tuple]], keep_args: bool) -> list[CallResult]:
        refused = [self.refusal(name) for name, _ in requests]
        if any(refused):
            sent = [k for k, refusal in enumerate(refused) if refusal is None]
            answers = iter(self._calls([requests[k] for k in sent], keep_args) if sent else [])
            return [refusal or next(answers) for refusal in refused]
        if self.remaining() <= 0:
            return [said(f"{name} was not run: the submission used up its total time limit "
                          f"({self.limits.total_timeout:g} s).") for name, _ in requests]
        timeout = min(self.limits.call_timeout, self.remaining())
        blobs: list[bytes] = []
        try:
            calls = [{"name": name, "same_args_as": k - 1, "keep_args": keep_args} if args is SAME_ARGS else
                     {"name": name, "args": protocol.encode(tuple(args), blobs), "keep_args": keep_args}
                     for k, (name, args) in enumerate(requests)]
        except TypeError as error:
            return [CallResult(error=f"could not send the arguments: {error}") for _ in requests]
        try:
            worker = self._worker()
        except ProcessLost as lost:
            return [CallResult(error=f"{name} could not be called: {lost_reason(lost)}.",
                               brief=f"{name} could not be called: the notebook's process did not start a worker.")
                    for name, _ in requests]
        try:
            header, reply_blobs = worker.request({"calls": calls, "timeout": timeout, "stuck": sorted(self.stuck)},
                                                 blobs, timeout=min(timeout * len(calls), self.remaining()) + GRACE)
        except ProcessLost as lost:
            self.tampered = self.tampered or worker.tampered
            self._drop_worker()
            names = {name for name, _ in requests}
            if str(lost) == "timeout" and len(names) == 1 and timeout >= self.limits.call_timeout:
                self.stuck.setdefault(names.pop(), "in an earlier test")  # it ignored the interrupt: it hangs
            return [self._lost(name, lost, timeout) for name, _ in requests]
        self.tampered = self.tampered or worker.tampered
        replies = header.get("replies")
        if not isinstance(replies, list) or len(replies) != len(requests):
            self._drop_worker()  # a worker that breaks the protocol is not asked again
            return [said(BRIEF["unreadable"].format(name=name)) for name, _ in requests]
        read = [read_reply(name, reply, reply_blobs) for (name, _), reply in zip(requests, replies)]
        if any(unreadable for _, unreadable in read):
            self._drop_worker()  # it may have more to send than it was asked: the next call gets a fresh one
        for result, _ in read:
            result.tampered = self.tampered
        return [self._within_total_time(name, timeout, reply, self._stuck_call(name, timeout, reply, result))
                for (name, _), reply, (result, _) in zip(requests, replies, read)]

    def refusal(self, name: str) -> CallResult | None:
        """A function that already ran past its call limit is not called again."""
        if name not in self.stuck:
            return None
        message = (f"{name} was not run: it did not return within {self.limits.call_timeout:g} s "
                   f"{self.stuck[name]} (call time limit), so its later calls fail at once.")
        return CallResult(error=message, brief=message)

    def _stuck_call(self, name: str, timeout: float, reply, result: CallResult) -> CallResult:
        """Record what a call found stuck, and say it in the grader's own words."""
        if not isinstance(reply, dict) or reply.get("kind") not in ("timeout", "calls_stuck"):
            return result
        found = _identifiers(reply.get("stuck_in"))
        if reply["kind"] == "timeout":
            if timeout < self.limits.call_timeout:
                return result  # cut short by the total time limit: nothing is known to hang
            found = found or [name]
            for stuck in found:
                self.stuck.setdefault(stuck, "in an earlier test")
            inner = [stuck for stuck in found if stuck != name and stuck in self.contract]
            where = f": it was stuck in {inner[0]}" if inner else ""
            message = f"{name} did not return within {timeout:.3g} s (call time limit){where}."
        else:
            callee = found[0] if found and found[0] in self.contract else "a function it calls"
            message = (f"{name} was not run to the end: it calls {callee}, which already ran past the call "
                       f"time limit ({self.limits.call_timeout:g} s).")
        return CallResult(error=message, brief=message)

    def _lost(self, name: str, lost: ProcessLost, timeout: float) -> CallResult:
        """Why a call got no reply, in the grader's own words: the time it
        measured, the limits it set, never anything the process sent."""
        reason = str(lost)
        if reason == "timeout":
            limit = ("call time limit" if timeout >= self.limits.call_timeout else
                     f"the submission's total time limit of {self.limits.total_timeout:g} s")
            return said(f"{name} did not return within {timeout:.3g} s ({limit}).")
        if reason == "too large":
            return said(f"{name} returned more data than the grader accepts ({REPLY_BYTES_PER_CALL // 2**20} MB "
                         f"of arrays per call, {REPLY_HEADER // 2**20} MB as lists): return only what the "
                         f"contract asks for, as NumPy arrays.")
        if reason == "unreadable":
            return said(f"{name} sent the grader a reply it cannot read (its process broke the grader's "
                         f"protocol).")
        return said(f"{name} ended its process instead of returning (os._exit, a crash or a limit).")

    def _within_total_time(self, name: str, timeout: float, reply, result: CallResult) -> CallResult:
        """A call cut short because the submission's time ran out says so."""
        timed_out = isinstance(reply, dict) and reply.get("kind") == "timeout"
        if timed_out and timeout < self.limits.call_timeout:
            result.error = result.brief = (f"{name} did not return before the submission used up its total time "
                                           f"limit ({self.limits.total_timeout:g} s).")
        return result

    def _worker(self) -> Channel:
        if self.worker is None:
            timeout = min(10.0, max(self.remaining(), 0.0) + GRACE)
            try:
                self.template.request({"op": "fork"}, timeout=timeout)
                self.tampered = self.tampered or self.template.tampered
                worker = self.template.receive_channel(timeout)
            except ProcessLost as lost:
                raise ProcessLost(f"the notebook's process could not start a worker: {lost_reason(lost)}") from None
            if not is_child_of(worker.pidfd, self.template.pidfd):
                # The notebook's process is the student's: it could hand us another process to kill later.
                worker.kill_channel_only()
                raise ProcessLost("the notebook's process sent a process that is not its own worker")
            self.worker = worker
        return self.worker

    def _drop_worker(self) -> None:
        if self.worker is not None:
            self.worker.kill()
            self.worker = None

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._drop_worker()
        self.template.kill()
        try:
            self.engine.cleanup()
        except EngineError as error:  # the submission's result stands; the engine goes on with a fresh uid
            self.notes.append(f"the grader's cleanup after this submission failed: {error}.")


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


def _identifiers(value) -> list[str]:
    """Function names a child reported, kept only if they are plain identifiers."""
    if not isinstance(value, list):
        return []
    return [v for v in value[:5] if isinstance(v, str) and len(v) <= 100 and v.isidentifier()]
