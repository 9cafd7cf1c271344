"""The trusted side of the engine: start the sandboxed zygote, run a
submission's cells, call its functions, enforce time limits, kill what hangs.

Every process on the other side is reached through a socket and a pidfd the
parent received by SCM_RIGHTS, so a hung or hostile process is killed with
``pidfd_send_signal`` whatever pid namespace it lives in.
"""

from __future__ import annotations

import builtins
import os
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field

from autograder.engine import protocol
from autograder.engine.calls import CallResult
from autograder.engine.sandbox import Isolation, choose_isolation, claim_student_uid, zygote_command, zygote_environment

GRACE = 1.0  # seconds a soft interrupt gets before the process is killed


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
    """The student's process died or stopped answering; the reason is for the student."""


@dataclass
class Channel:
    """A socket and a pidfd for one process on the untrusted side."""

    sock: socket.socket
    pidfd: int

    def request(self, header: dict, blobs: list[bytes] = (), timeout: float | None = None):
        self.sock.settimeout(timeout)
        try:
            protocol.send(self.sock, header, blobs)
            return protocol.receive(self.sock)
        except (socket.timeout, TimeoutError):
            raise ProcessLost("timeout") from None
        except (EOFError, ConnectionError, OSError):
            raise ProcessLost("ended") from None
        except protocol.ProtocolError as error:
            raise ProcessLost(f"sent an unreadable reply ({error})") from None

    def receive_channel(self, timeout: float) -> "Channel":
        self.sock.settimeout(timeout)
        try:
            _, fds, _, _ = socket.recv_fds(self.sock, 1, 2)
        except (socket.timeout, TimeoutError, OSError) as error:
            raise ProcessLost(f"could not start a process ({error})") from None
        if len(fds) != 2:
            for fd in fds:
                os.close(fd)
            raise ProcessLost("could not start a process")
        return Channel(socket.socket(fileno=fds[0]), fds[1])

    def kill(self) -> None:
        try:
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
        except OSError:
            pass
        self.kill_channel_only()

    def kill_channel_only(self) -> None:
        """Close our ends without signalling the process."""
        for close in (self.sock.close, lambda: os.close(self.pidfd)):
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
            header, _ = protocol.receive(ours)
        except (EOFError, OSError, protocol.ProtocolError) as error:
            self._stop()
            raise EngineError(f"the sandbox did not start ({error}); command: {' '.join(command[:3])} ...") from None
        if not header.get("ready"):
            raise EngineError("the sandbox sent an unexpected greeting")

    def open(self, limits: Limits) -> "Run":
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
            protocol.receive(self._sock)
        except (EOFError, OSError, protocol.ProtocolError):
            self._stop()

    def close(self) -> None:
        self._stop()
        if self._uid_claim is not None:
            self._uid_claim.release()
            self._uid_claim = None

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
        header, _ = self.template.request({"op": "names", "names": names}, timeout=10)
        return header

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
            return [CallResult(error=f"not run: the submission used up its total time limit "
                                     f"({self.limits.total_timeout:g} s).") for _ in requests]
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
            return [CallResult(error=f"{name} could not be called: {lost}.") for name, _ in requests]
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
            return [CallResult(error=f"{name} returned a value the grader cannot read.") for name, _ in requests]
        return [self._within_total_time(name, timeout, reply, self._stuck_call(name, timeout, reply,
                                                                             call_result_from(name, reply, reply_blobs)))
                for (name, _), reply in zip(requests, replies)]

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
        if str(lost) == "timeout":
            limit = ("call time limit" if timeout >= self.limits.call_timeout else
                     f"the submission's total time limit of {self.limits.total_timeout:g} s")
            return CallResult(error=f"{name} did not return within {timeout:.3g} s ({limit}).")
        return CallResult(error=f"{name} ended its process instead of returning "
                                f"(os._exit, a crash or a limit: {lost}).")

    def _within_total_time(self, name: str, timeout: float, reply, result: CallResult) -> CallResult:
        """A call cut short because the submission's time ran out says so."""
        timed_out = isinstance(reply, dict) and reply.get("kind") == "timeout"
        if timed_out and timeout < self.limits.call_timeout:
            result.error = (f"{name} did not return before the submission used up its total time limit "
                            f"({self.limits.total_timeout:g} s).")
        return result

    def _worker(self) -> Channel:
        if self.worker is None:
            try:
                self.template.request({"op": "fork"}, timeout=10)
                worker = self.template.receive_channel(10)
            except ProcessLost as lost:
                raise ProcessLost(f"the notebook's process could not start a worker: {lost}") from None
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
        self._drop_worker()
        self.template.kill()
        self.engine.cleanup()


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
PLACE = re.compile(r"cell \d{1,6}, line \d{1,7}")


def brief_error(name: str, header: dict) -> str:
    """The reason a call failed, from the grader's vocabulary only: the child's
    own text could carry anything, hidden inputs included."""
    kind = header.get("kind")
    if isinstance(kind, str) and kind in BRIEF:
        return BRIEF[kind].format(name=name)
    place = header.get("where")
    where = f" ({place})" if isinstance(place, str) and PLACE.fullmatch(place) else ""
    exception = kind[len("exception:"):] if isinstance(kind, str) and kind.startswith("exception:") else ""
    if exception in BUILTIN_EXCEPTIONS:
        return f"{name} raised {exception}{where}."
    return f"{name} raised an exception{where}."


BUILTIN_EXCEPTIONS = {n for n, v in vars(builtins).items() if isinstance(v, type) and issubclass(v, BaseException)}


def call_result_from(name: str, header, blobs: list[bytes]) -> CallResult:
    if not isinstance(header, dict):
        return CallResult(error=BRIEF["unreadable"].format(name=name))
    try:
        if header.get("error"):
            return CallResult(error=str(header["error"])[:2000], brief=brief_error(name, header))
        value = protocol.decode(header.get("value"), blobs)
        after = protocol.decode(header["args_after"], blobs) if "args_after" in header else None
        warnings = [str(w)[:300] for w in header.get("warnings", [])][:20]
        aliases = [str(a)[:100] for a in header.get("aliases", [])][:20]
    except (protocol.ProtocolError, ValueError, TypeError, AttributeError) as error:
        return CallResult(error=f"{name} returned a value the grader cannot read ({error}).")
    return CallResult(value=value, args_after=after, warnings=warnings, aliases=aliases)
