"""The trusted side of the engine: start the sandboxed zygote, run a
submission's cells, call its functions, enforce time limits, kill what hangs.

Every process on the other side is reached through a socket and a pidfd the
parent received by SCM_RIGHTS, so a hung or hostile process is killed with
``pidfd_send_signal`` whatever pid namespace it lives in.
"""

from __future__ import annotations

import builtins
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field

from autograder.engine import protocol
from autograder.engine.calls import CallResult
from autograder.engine.sandbox import Isolation, choose_isolation, claim_student_uid, zygote_command, zygote_environment

GRACE = 1.0  # seconds a soft interrupt gets before the process is killed

# What the grader reads from a student's process, at most. The largest reply
# the course's reference solutions produce is a 2 MB array (jacobians: a
# 500 x 500 Jacobian; 4 MB with the arguments sent back by a purity check),
# the largest batch 1.2 MB (mlp_backprop: 96 calls of a numerical
# derivative), the largest JSON header 60 KB (630 bytes per call). So:
REPLY_BYTES_PER_CALL = 16 * 2**20  # array bytes of one call: 4x the largest; as float64 at most 128 MiB
REPLY_BYTES = 32 * 2**20  # array bytes of a whole batch, however many calls it has
REPLY_HEADER = 4 * 2**20  # JSON of one call: a value returned as lists holds ~130,000 numbers
REPLY_HEADER_PER_CALL = 4096  # more JSON per further call of a batch: 6x the largest seen
REPLY_HEADER_MAX = 8 * 2**20  # JSON of any reply (json.loads takes at most ~25x this in memory)
CONTROL_REPLY = 4 * 2**20  # a cell's report, the names a notebook defines, a fork: no arrays, 64 KB of output


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


class ProcessLost(Exception):
    """The student's process died or stopped answering. The reason is one of
    LOST_REASONS, the grader's own words: nothing the process sent."""


LOST_REASONS = {
    "timeout": "it did not answer in time",
    "ended": "its process ended",
    "unreadable": "it sent a reply the grader cannot read",
    "too large": "it sent a reply larger than the grader accepts",
}


def reply_limits(header: dict, blobs=()) -> tuple[int, int]:
    """The most a reply to ``header`` may hold: (all bytes, JSON bytes). A
    batch of calls may send each call's arguments back once (purity checks)."""
    calls = header.get("calls")
    if not isinstance(calls, list):
        return CONTROL_REPLY, CONTROL_REPLY
    count = max(1, len(calls))
    head = min(REPLY_HEADER + REPLY_HEADER_PER_CALL * (count - 1), REPLY_HEADER_MAX)
    arrays = min(REPLY_BYTES_PER_CALL * count, REPLY_BYTES) + sum(len(b) for b in blobs)
    return head + 16 * count + arrays, head


@dataclass
class Channel:
    """A socket and a pidfd for one process on the untrusted side."""

    sock: socket.socket
    pidfd: int
    closed: bool = False

    def request(self, header: dict, blobs: list[bytes] = (), timeout: float | None = None):
        """Send, then wait for the reply: ``timeout`` bounds the whole exchange
        (one deadline, however slowly the reply trickles in), and the reply may
        be no larger than ``reply_limits`` allows. Whatever goes wrong with the
        reply is a ProcessLost with one of LOST_REASONS."""
        deadline = None if timeout is None else time.monotonic() + timeout
        most, head = reply_limits(header, blobs)
        try:
            self.sock.settimeout(timeout)
            protocol.send(self.sock, header, blobs, deadline)
            return protocol.receive(self.sock, deadline, most, head)
        except (socket.timeout, TimeoutError):
            raise ProcessLost("timeout") from None
        except (EOFError, ConnectionError, OSError):
            raise ProcessLost("ended") from None
        except protocol.TooLarge:
            raise ProcessLost("too large") from None
        except Exception:  # ProtocolError, RecursionError, MemoryError...: the reply, never the grader's row
            raise ProcessLost("unreadable") from None

    def receive_channel(self, timeout: float) -> "Channel":
        self.sock.settimeout(timeout)
        try:
            _, fds, _, _ = socket.recv_fds(self.sock, 1, 2)
        except (socket.timeout, TimeoutError):
            raise ProcessLost("timeout") from None
        except OSError:
            raise ProcessLost("ended") from None
        if len(fds) != 2:
            for fd in fds:
                os.close(fd)
            raise ProcessLost("ended")
        return Channel(socket.socket(fileno=fds[0]), fds[1])

    def kill(self) -> None:
        if self.closed:
            return
        try:
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
        except OSError:
            pass
        self.kill_channel_only()

    def kill_channel_only(self) -> None:
        """Close our ends without signalling the process. Once only: the pidfd's
        number may belong to another file afterwards."""
        if self.closed:
            return
        self.closed = True
        for close in (self.sock.close, lambda: os.close(self.pidfd) if self.pidfd >= 0 else None):
            try:
                close()
            except OSError:
                pass


class Engine:
    """One sandboxed zygote, pre-warmed, forking a fresh process per submission.
    Engines are independent: a pool runs one per worker slot."""

    def __init__(self, slot: int = 0, isolation: str | Isolation = "auto"):
        self.slot = slot
        self.isolation = isolation if isinstance(isolation, Isolation) else choose_isolation(isolation)
        self._uid_claim = claim_student_uid(slot)
        self.uid = self._uid_claim.uid if self._uid_claim else None
        self._released = False  # close() gave the uid up: claim one again before running anything
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
        if not header.get("ready"):
            raise EngineError("the sandbox sent an unexpected greeting")

    def open(self, limits: Limits) -> "Run":
        if self._released:  # closed, then used again (a batch goes on after a grader error): a uid of its own
            self._uid_claim = claim_student_uid(self.slot)
            self.uid = self._uid_claim.uid if self._uid_claim else None
            self._released = False
        if self._process is None or self._process.poll() is not None:
            self._start()
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
        return Run(self, template, limits)

    def cleanup(self) -> None:
        """Kill every process the last submission left behind."""
        if self._sock is None:
            return
        try:
            self._sock.settimeout(30)
            protocol.send(self._sock, {"op": "cleanup", "uid": self.uid})
            protocol.receive(self._sock, time.monotonic() + 30)
        except (EOFError, OSError, protocol.ProtocolError):
            self._stop()

    def close(self) -> None:
        """Stop everything and give the uid up, only once nothing of it runs:
        the zygote kills every process of the uid first. An engine used again
        after close() claims a uid anew; it never runs code as a uid it let go."""
        self.cleanup()
        self._stop()
        if self._uid_claim is not None:
            self._uid_claim.release()
            self._uid_claim = None
            self.uid = None
            self._released = True

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

    def _calls(self, requests: list[tuple[str, tuple]], keep_args: bool) -> list[CallResult]:
        refused = [self.refusal(name) for name, _ in requests]
        if any(refused):
            sent = [k for k, refusal in enumerate(refused) if refusal is None]
            answers = iter(self._calls([requests[k] for k in sent], keep_args) if sent else [])
            return [refusal or next(answers) for refusal in refused]
        if self.remaining() <= 0:
            return [_said(f"{name} was not run: the submission used up its total time limit "
                          f"({self.limits.total_timeout:g} s).") for name, _ in requests]
        timeout = min(self.limits.call_timeout, self.remaining())
        blobs: list[bytes] = []
        try:
            calls = [{"name": name, "args": protocol.encode(tuple(args), blobs), "keep_args": keep_args}
                     for name, args in requests]
        except TypeError as error:
            return [CallResult(error=f"could not send the arguments: {error}") for _ in requests]
        try:
            worker = self._worker()
        except ProcessLost as lost:
            return [CallResult(error=f"{name} could not be called: {_reason(lost)}.",
                               brief=f"{name} could not be called: the notebook's process did not start a worker.")
                    for name, _ in requests]
        try:
            header, reply_blobs = worker.request({"calls": calls, "timeout": timeout, "stuck": sorted(self.stuck)},
                                                 blobs, timeout=min(timeout * len(calls), self.remaining()) + GRACE)
        except ProcessLost as lost:
            self._drop_worker()
            names = {name for name, _ in requests}
            if str(lost) == "timeout" and len(names) == 1 and timeout >= self.limits.call_timeout:
                self.stuck.setdefault(names.pop(), "in an earlier test")  # it ignored the interrupt: it hangs
            return [self._lost(name, lost, timeout) for name, _ in requests]
        replies = header.get("replies")
        if not isinstance(replies, list) or len(replies) != len(requests):
            self._drop_worker()  # a worker that breaks the protocol is not asked again
            return [_said(BRIEF["unreadable"].format(name=name)) for name, _ in requests]
        read = [read_reply(name, reply, reply_blobs) for (name, _), reply in zip(requests, replies)]
        if any(unreadable for _, unreadable in read):
            self._drop_worker()  # it may have more to send than it was asked: the next call gets a fresh one
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
            return _said(f"{name} did not return within {timeout:.3g} s ({limit}).")
        if reason == "too large":
            return _said(f"{name} returned more data than the grader accepts ({REPLY_BYTES_PER_CALL // 2**20} MB "
                         f"of arrays per call, {REPLY_HEADER // 2**20} MB as lists): return only what the "
                         f"contract asks for, as NumPy arrays.")
        if reason == "unreadable":
            return _said(f"{name} sent the grader a reply it cannot read (its process broke the grader's "
                         f"protocol).")
        return _said(f"{name} ended its process instead of returning (os._exit, a crash or a limit).")

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
                worker = self.template.receive_channel(timeout)
            except ProcessLost as lost:
                raise ProcessLost(f"the notebook's process could not start a worker: {_reason(lost)}") from None
            if not _is_child_of(worker.pidfd, self.template.pidfd):
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
        self.engine.cleanup()


def _said(message: str) -> CallResult:
    """A failure the grader describes itself: safe for hidden tests as it is."""
    return CallResult(error=message, brief=message)


def _reason(lost: ProcessLost) -> str:
    return LOST_REASONS.get(str(lost), str(lost))


def _identifiers(value) -> list[str]:
    """Function names a child reported, kept only if they are plain identifiers."""
    if not isinstance(value, list):
        return []
    return [v for v in value[:5] if isinstance(v, str) and len(v) <= 100 and v.isidentifier()]


def _pid_of(pidfd: int) -> int | None:
    """The pid (in the grader's namespace) a pidfd refers to."""
    try:
        with open(f"/proc/self/fdinfo/{pidfd}") as info:
            for line in info:
                if line.startswith("Pid:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def _is_child_of(child_pidfd: int, parent_pidfd: int) -> bool:
    child, parent = _pid_of(child_pidfd), _pid_of(parent_pidfd)
    if not child or not parent or child <= 0:
        return False
    try:
        with open(f"/proc/{child}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return int(fields[1]) == parent
    except (OSError, ValueError, IndexError):
        return False


BRIEF = {
    "not_implemented": "{name} is not implemented yet.",
    "memory": "{name} ran out of memory (memory limit).",
    "recursion": "{name} recursed too deeply.",
    "process_limit": "{name} could not start another process (process limit).",
    "file_limit": "{name} wrote a file larger than allowed (file size limit).",
    "timeout": "{name} did not return in time (call time limit).",
    "undefined": "{name} is not defined as a function in your notebook.",
    "unreadable": "{name} returned a value the grader cannot read.",
}


def brief_error(name: str, header: dict) -> str:
    """The reason a call failed, from the grader's vocabulary only: the child's
    own text could carry anything, hidden inputs included. Only the kind of
    failure is named (a limit, or an exception of a type Python itself
    defines); not where it was raised: a cell and line the process reports
    are numbers it chooses."""
    kind = header.get("kind")
    if isinstance(kind, str) and kind in BRIEF:
        return BRIEF[kind].format(name=name)
    exception = kind[len("exception:"):] if isinstance(kind, str) and kind.startswith("exception:") else ""
    if exception in BUILTIN_EXCEPTIONS:
        return f"{name} raised {exception}."
    return f"{name} raised an exception."


BUILTIN_EXCEPTIONS = {n for n, v in vars(builtins).items() if isinstance(v, type) and issubclass(v, BaseException)}


def call_result_from(name: str, header, blobs: list[bytes]) -> CallResult:
    return read_reply(name, header, blobs)[0]


def read_reply(name: str, header, blobs: list[bytes]) -> tuple[CallResult, bool]:
    """One call's reply as a CallResult, and whether it broke the protocol.
    Whatever the reply holds (values nested past any limit, dtypes numpy
    cannot parse, text in place of lists), it fails this call alone; ``brief``
    is always in the grader's own words."""
    unreadable = _said(BRIEF["unreadable"].format(name=name))
    if not isinstance(header, dict):
        return unreadable, True
    try:
        if header.get("error"):
            return CallResult(error=_text(header["error"], 2000), brief=brief_error(name, header)), False
        value = protocol.decode(header.get("value"), blobs)
        after = protocol.decode(header["args_after"], blobs) if "args_after" in header else None
        warnings = [_text(w, 300) for w in _strings(header.get("warnings"))]
        aliases = [_text(a, 100) for a in _strings(header.get("aliases"))]
    except protocol.ProtocolError as error:  # its text is the grader's: "arrays of dtype object are not allowed"
        return CallResult(error=f"{name} returned a value the grader cannot read ({error}).",
                          brief=unreadable.brief), True
    except Exception:  # RecursionError, MemoryError, ValueError...: this call's failure, never the row's
        return unreadable, True
    return CallResult(value=value, args_after=after, warnings=warnings, aliases=aliases), False


def _strings(value, most: int = 20) -> list[str]:
    return [item for item in value[:most] if isinstance(item, str)] if isinstance(value, list) else []


def _text(value, most: int) -> str:
    return value[:most] if isinstance(value, str) else "(a message the grader cannot read)"
