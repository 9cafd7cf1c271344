"""Calls functions that live in this very process: the notebook's own
namespace, when a student self-checks inside Jupyter. The student can only
fool themselves here, so no isolation; values still make the same round trip
through the wire format, so a self-check judges exactly what the grader will.
"""

from __future__ import annotations

import copy

from autograder.engine import protocol
from autograder.engine.calls import CallResult
from autograder.engine.student_code import perform_call
from autograder.messages import say
from autograder.tree import tree_map


class InProcessCaller:
    """``stop_stuck``: a function that runs past ``call_timeout`` is made to
    fail at once afterwards, as the sandbox does (it changes the functions in
    ``namespace``, so a student's live notebook never asks for it)."""

    def __init__(self, namespace: dict, call_timeout: float | None = None, stop_stuck: bool = False):
        self.namespace = namespace
        self.call_timeout = call_timeout
        self.stop_stuck = stop_stuck
        self.store = protocol.HandleStore()

    def call(self, name: str, args: tuple, *, keep_args: bool = False) -> CallResult:
        function = self.namespace.get(name)
        if not callable(function):
            return CallResult(error=f"{name} is not defined yet: run the cell that defines it.")
        args = tree_map(lambda leaf: self.store.get(leaf.id) if isinstance(leaf, protocol.Handle) else leaf,
                        protocol.materialize(copy.deepcopy(tuple(args))))
        reply = perform_call(function, args, keep_args, self.call_timeout,
                             self.namespace if self.stop_stuck else None)
        if reply["error"]:
            return CallResult(error=reply["error"])
        try:
            value = _round_trip(reply["value"], self.store)
            after = _round_trip(reply["args_after"], self.store) if keep_args else None
        except TypeError as error:
            return CallResult(error=say("unreadable_because", name=name, reason=error))
        return CallResult(value=value, args_after=after, warnings=reply["warnings"], aliases=reply["aliases"])


def _round_trip(value, store: protocol.HandleStore):
    """What the grader would receive: objects it cannot read stay behind as handles."""
    blobs: list[bytes] = []
    return protocol.decode(protocol.encode(value, blobs, store), blobs)
