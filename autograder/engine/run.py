"""What a run decides, whichever engine carries its requests: the time left,
the functions stuck past the call limit, and the words of every message
(``messages``). ``BaseRun`` is the logic both engines' runs share
(``session.Run`` over the sandbox's processes, ``kernel.KernelRun`` over a
Jupyter kernel); a subclass supplies only the transport: the process that
runs the cells (``template``) and the one that answers calls (``_worker``).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Protocol

from autograder.engine import protocol
from autograder.engine.calls import CallResult
from autograder.engine.channel import REPLY_BYTES_PER_CALL, REPLY_HEADER, Channel, ProcessLost
from autograder.engine.interface import Limits
from autograder.engine.replies import read_reply, said
from autograder.messages import lost_reason, say

GRACE = 1.0  # seconds a soft interrupt gets before the process is killed
# Seconds (at most half the call limit) after which a batch of calls (call_in_order) starts no more of
# them: the rest are made one by one. Honest batches take milliseconds; a slow function must not make a
# batch run past the one call limit it gets in all.
BATCH_SECONDS = 2.0


class SameArgs(tuple):
    """In place of a call's arguments: the very objects the call before it received."""


SAME_ARGS = SameArgs()


class Requester(Protocol):
    """The process that runs the cells, as a run reaches it."""

    def request(self, header: dict, blobs: Sequence[bytes] = (),
                timeout: float | None = None) -> tuple[dict, list[bytes]]:
        """Send ``header`` and ``blobs``, return the reply within ``timeout`` seconds. ProcessLost otherwise."""
        ...


class BaseRun(ABC):
    """The part of a run that decides (see the module's docstring). Its
    state, set by the subclass: ``limits``, ``started`` (time.monotonic()),
    ``contract``, ``stuck`` (name -> where), ``notes``, ``tampered`` and
    ``template``."""

    limits: Limits
    started: float
    contract: frozenset[str]  # names the grader may say in its messages
    # Functions that ran past the call limit once (name -> where): their later calls fail at once.
    stuck: dict[str, str]
    notes: list[str]  # what the grader itself found wrong while the notebook ran
    # The grader's code in the submission's processes was found changed: nothing they report about
    # themselves is trusted from then on.
    tampered: bool
    template: Requester
    broken_batches = 0  # batches of calls that lost or dropped the process answering them

    @abstractmethod
    def _worker(self) -> Channel:
        """The process that answers calls, started if need be. ProcessLost if it cannot be."""

    @abstractmethod
    def _drop_worker(self) -> None:
        """Stop the process that answers calls: the next call gets a fresh one."""

    def remaining(self) -> float:
        """Seconds left of the submission's total time limit (negative once past it)."""
        return self.limits.total_timeout - (time.monotonic() - self.started)

    def exec_cell(self, index: int, source: str) -> dict:
        """Run one cell. ProcessLost if the cell killed or hung its process."""
        timeout = min(self.limits.cell_timeout, max(self.remaining(), 0.01))
        header, _ = self.template.request({"op": "exec", "cell": index, "source": source, "timeout": timeout,
                                           "call_limit": self.limits.call_timeout}, timeout=timeout + GRACE)
        for name in _identifiers(header.get("stuck_in")):
            self.stuck.setdefault(name, f"when cell {index} called it")
        if header.get("status") == "timeout" and timeout < self.limits.cell_timeout:
            header["message"] = say("cell_out_of_total_time", index=index, total=self.limits.total_timeout)
        return header

    def defined(self, names: list[str]) -> dict:
        """Where each of ``names`` is defined, as the notebook's process reports
        it, kept only in the shapes the grader reads (``names``: name ->
        {callable, file}; ``ignored``: short strings)."""
        header, _ = self.template.request({"op": "names", "names": names},
                                          timeout=min(10.0, max(self.remaining(), 0.0) + GRACE))
        reported, ignored = header.get("names"), header.get("ignored")
        found = reported if isinstance(reported, dict) else {}
        places = {}
        for name in names:
            where = found.get(name)
            if isinstance(where, dict):
                file = where.get("file")
                places[name] = {"callable": where.get("callable") is True,
                                "file": file[:100] if isinstance(file, str) else None}
            else:
                places[name] = {"callable": False, "file": None}
        kept = [str(item)[:100] for item in ignored[:20] if isinstance(item, str)] if isinstance(ignored, list) else []
        return {"names": places, "ignored": kept}

    def call(self, name: str, args: tuple, *, keep_args: bool = False) -> CallResult:
        """Call the notebook's ``name`` on ``args``; every failure is a CallResult with an error."""
        return self._calls([(name, args)], keep_args)[0]

    def call_many(self, requests: list[tuple[str, tuple]]) -> list[CallResult]:
        """Several calls in one round trip (a numerical derivative's evaluations)."""
        return self._calls(requests, keep_args=False)

    def call_in_order(self, requests: list[tuple[str, tuple]]) -> list[CallResult]:
        """Several calls in one round trip, answered as each would have been
        on its own, one after the other: all answers when nothing went wrong
        but the functions themselves (a value, an exception); when a call hit
        a time limit, the answers up to that call only (from there on the
        grader refuses what is stuck); only those of the calls started within
        the batch's budget (BATCH_SECONDS, or half the call limit); none when
        the batch lost its process or the process was found changed (the
        calls before would have had their answers)."""
        stuck, broken, tampered = len(self.stuck), self.broken_batches, self.tampered
        # Its reply may hold no more than one call's, and it gets no more time than one call: a value too
        # large for a call on its own must not be read because it came with others (honest batches of first
        # calls hold at most 4 MB), and a call that stops its own watch must not run longer because it came
        # first in a batch. No call starts after the batch's budget (the rest are made one by one), so slow
        # but honest calls end the batch early rather than lose it.
        results = self._calls(requests, keep_args=False, arrays=REPLY_BYTES_PER_CALL, whole=True)
        if self.broken_batches != broken or self.tampered != tampered:
            return []
        if len(self.stuck) != stuck or self.remaining() <= 0:  # the calls after the first that timed out
            failed = next((k for k, result in enumerate(results) if result.timed_out), len(results) - 1)
            return results[:failed + 1]
        return results

    def call_twice(self, name: str, args: tuple) -> tuple[CallResult, CallResult]:
        """``name`` called on ``args``, then again on the very same argument
        objects in the student's process, both keeping their arguments: what
        the first call changed in place shows in the second call's value."""
        first, second = self._calls([(name, args), (name, SAME_ARGS)], keep_args=True)
        return first, second

    def _calls(self, requests: list[tuple[str, tuple]], keep_args: bool,
               arrays: int | None = None, whole: bool = False) -> list[CallResult]:
        """The calls in one round trip: within one call limit per call, or,
        for a ``whole`` batch, one call limit in all for those that start
        within its budget (the answers end before the first that did not);
        ``arrays``: see channel.reply_limits."""
        refused = [self.refusal(name) for name, _ in requests]
        if any(refused):
            sent = [k for k, refusal in enumerate(refused) if refusal is None]
            answers = iter(self._calls([requests[k] for k in sent], keep_args, arrays, whole) if sent else [])
            results = []
            for refusal in refused:
                answer = refusal or next(answers, None)
                if answer is None:
                    break  # a whole batch's calls not started on: made one by one later
                results.append(answer)
            return results
        if self.remaining() <= 0:
            return [said("out_of_total_time", name=name, total=self.limits.total_timeout) for name, _ in requests]
        timeout = min(self.limits.call_timeout, self.remaining())
        blobs: list[bytes] = []
        try:
            calls = [{"name": name, "same_args_as": k - 1, "keep_args": keep_args} if args is SAME_ARGS else
                     {"name": name, "args": protocol.encode(tuple(args), blobs), "keep_args": keep_args}
                     for k, (name, args) in enumerate(requests)]
        except TypeError as error:
            return [said("cannot_send", reason=error) for _ in requests]
        try:
            worker = self._worker()
        except ProcessLost as lost:
            return [CallResult(error=say("not_called", name=name, reason=lost_reason(str(lost))),
                               brief=say("no_worker", name=name)) for name, _ in requests]
        message = {"calls": calls, "timeout": timeout, "stuck": sorted(self.stuck)}
        if whole:
            message["budget"] = min(BATCH_SECONDS, timeout / 2)
        try:
            header, reply_blobs = worker.request(message, blobs, arrays=arrays, timeout=min(
                timeout * (1 if whole else len(calls)), self.remaining()) + GRACE)
        except ProcessLost as lost:
            self.tampered = self.tampered or worker.tampered
            self._drop_worker()
            self.broken_batches += 1
            names = {name for name, _ in requests}
            if str(lost) == "timeout" and len(names) == 1 and timeout >= self.limits.call_timeout and \
                    (len(requests) == 1 or not whole):  # a batch as a whole may just be long
                self.stuck.setdefault(names.pop(), "in an earlier test")  # it ignored the interrupt: it hangs
            return [self._lost(name, lost, timeout) for name, _ in requests]
        self.tampered = self.tampered or worker.tampered
        replies = header.get("replies")
        if not isinstance(replies, list) or len(replies) != len(requests):
            self._drop_worker()  # a worker that breaks the protocol is not asked again
            self.broken_batches += 1
            return [said("unreadable", name=name) for name, _ in requests]
        if whole:  # the calls from the first that was not started on are left to be made one by one
            started = next((k for k, reply in enumerate(replies)
                            if isinstance(reply, dict) and reply.get("kind") == "not_run"), len(replies))
            requests, replies = requests[:started], replies[:started]
        read = [read_reply(name, reply, reply_blobs) for (name, _), reply in zip(requests, replies)]
        if any(unreadable for _, unreadable in read):
            self._drop_worker()  # it may have more to send than it was asked: the next call gets a fresh one
            self.broken_batches += 1
        results = [self._within_total_time(name, timeout, reply, self._stuck_call(name, timeout, reply, result))
                   for (name, _), reply, (result, _) in zip(requests, replies, read)]
        for result, reply in zip(results, replies):
            result.tampered = self.tampered
            result.timed_out = isinstance(reply, dict) and reply.get("kind") == "timeout"
        return results

    def refusal(self, name: str) -> CallResult | None:
        """A function that already ran past its call limit is not called again."""
        if name not in self.stuck:
            return None
        return said("refused_stuck", name=name, limit=self.limits.call_timeout, where=self.stuck[name])

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
            return said("no_return", name=name, seconds=timeout, time_limit="call time limit",
                        stuck_in=say("stuck_in", callee=inner[0]) if inner else "")
        callee = found[0] if found and found[0] in self.contract else "a function it calls"
        return said("calls_stuck", name=name, callee=callee, limit=self.limits.call_timeout)

    def _lost(self, name: str, lost: ProcessLost, timeout: float) -> CallResult:
        """Why a call got no reply, in the grader's own words: the time it
        measured, the limits it set, never anything the process sent."""
        reason = str(lost)
        if reason == "timeout":
            limit = ("call time limit" if timeout >= self.limits.call_timeout else
                     say("total_time_limit", total=self.limits.total_timeout))
            return said("no_return", name=name, seconds=timeout, time_limit=limit, stuck_in="")
        if reason == "too large":
            return said("too_large", name=name, array_mb=REPLY_BYTES_PER_CALL // 2**20, list_mb=REPLY_HEADER // 2**20)
        if reason == "unreadable":
            return said("broke_protocol", name=name)
        return said("ended", name=name)

    def _within_total_time(self, name: str, timeout: float, reply, result: CallResult) -> CallResult:
        """A call cut short because the submission's time ran out says so."""
        timed_out = isinstance(reply, dict) and reply.get("kind") == "timeout"
        if timed_out and timeout < self.limits.call_timeout:
            result.error = result.brief = say("cut_by_total_time", name=name, total=self.limits.total_timeout)
        return result


def _identifiers(value) -> list[str]:
    """Function names a child reported, kept only if they are plain identifiers."""
    if not isinstance(value, list):
        return []
    return [v for v in value[:5] if isinstance(v, str) and len(v) <= 100 and v.isidentifier()]
