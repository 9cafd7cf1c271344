"""Run student code in this process: one cell, or one call of a function, and
describe what happened as plain data (status, message, value, warnings).

Used by the sandboxed child processes, by the Jupyter-kernel engine and by the
in-notebook self-check. Standard library, NumPy and the wire format only.
"""

from __future__ import annotations

import builtins as _builtins

# A private copy of the builtins for this module's functions: student code in
# the same process that patches builtins (min, all, len...) must not break the
# grader's side of the conversation.
__builtins__ = dict(vars(_builtins))

import errno
import io
import os
import sys
import time
import traceback
import warnings

import numpy as np

from autograder.engine import protocol
from autograder.engine.hangs import CellTimeout, Watch, called_stuck, names_of, stop_stuck

OUTPUT_CAP = 64 * 1024
# How long a call that asks for its arguments back waits for the threads it started (a timer that
# changes an argument after the call returned): the second call on the same objects comes after.
SETTLE_SECONDS = 0.5

# Everything the harness calls around a student's call, held from import (before any notebook ran): a
# notebook that rebinds warnings.catch_warnings, np.errstate, traceback.extract_tb... reaches none of
# it. What these objects themselves rely on (their classes' methods, the module names they look up) is
# recorded by integrity.snapshot, so that patching it there is found.
_catch_warnings, _simplefilter, _warnings, _WarningMessage = (warnings.catch_warnings, warnings.simplefilter,
                                                              warnings, warnings.WarningMessage)
_errstate, _ndarray, _ndarray_copy = np.errstate, np.ndarray, np.ndarray.copy
_extract_tb, _listdir, _sleep, _monotonic = traceback.extract_tb, os.listdir, time.sleep, time.monotonic
_type_name = type.__dict__["__name__"].__get__  # a class's name whatever its metaclass says
_exception_args = BaseException.__dict__["args"].__get__


class CappedWriter(io.TextIOBase):
    """Keeps the first ``cap`` characters written, counts the rest."""

    def __init__(self, cap: int = OUTPUT_CAP):
        self.cap, self.parts, self.kept, self.dropped = cap, [], 0, 0

    def write(self, text) -> int:
        text = str(text)
        room = self.cap - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def value(self) -> str:
        note = f"\n[output truncated: {self.dropped} more characters]" if self.dropped else ""
        return "".join(self.parts) + note


def describe_error(error: BaseException, what: str) -> str:
    """A one-paragraph reason, pointing at the student's cell and line."""
    frames = [f for f in _extract_tb(error.__traceback__) if f.filename.startswith("<cell")]
    inner = frames[-1].name if frames and frames[-1].name != "<module>" else None
    if isinstance(error, NotImplementedError):
        if inner and inner != what:
            return f"{what} failed because {inner} is not implemented yet (it raises NotImplementedError)."
        return f"{what} is not implemented yet (it raises NotImplementedError)."
    if isinstance(error, MemoryError):
        return f"{what} ran out of memory (memory limit)."
    if isinstance(error, RecursionError):
        return f"{what} recursed too deeply (RecursionError)."
    if isinstance(error, BlockingIOError) or (isinstance(error, OSError) and error.errno == errno.EAGAIN):
        return f"{what} could not start another process (process limit)."
    if isinstance(error, OSError) and error.errno == errno.EFBIG:
        return f"{what} wrote a file larger than allowed (file size limit)."
    where = f" ({frames[-1].filename.strip('<>')}, line {frames[-1].lineno})" if frames else ""
    if inner and inner != what:
        where = f" in {inner}{where}"
    text = str(error)
    if len(text) > 300:
        text = text[:300] + "..."
    return f"{what} raised {type(error).__name__}{where}: {text}"


def error_kind(error: BaseException) -> str:
    """What went wrong, in the grader's own words (hidden tests show only this)."""
    for kind, test in (("not_implemented", lambda e: isinstance(e, NotImplementedError)),
                       ("memory", lambda e: isinstance(e, MemoryError)),
                       ("recursion", lambda e: isinstance(e, RecursionError)),
                       ("process_limit", lambda e: isinstance(e, OSError) and e.errno == errno.EAGAIN),
                       ("file_limit", lambda e: isinstance(e, OSError) and e.errno == errno.EFBIG)):
        if test(error):
            return kind
    return f"exception:{type(error).__name__}"


def error_place(error: BaseException) -> str:
    frames = [f for f in _extract_tb(error.__traceback__) if f.filename.startswith("<cell")]
    return f"{frames[-1].filename.strip('<>')}, line {frames[-1].lineno}" if frames else ""


def perform_call(function, args: tuple, keep_args: bool, timeout: float | None = None,
                 namespace: dict | None = None) -> dict:
    """Call a student function and describe what happened, as plain data.
    A call past its time limit reports (``stuck_in``) and, given the
    notebook's ``namespace``, stops the function that was stuck. With
    ``keep_args``, ``args_after`` is a copy of the arguments taken the moment
    the call returned, before any other code (the harness's or a library's
    that a notebook may have patched) runs; then the threads the call started
    get up to SETTLE_SECONDS to finish, so that a change they make to the
    arguments shows in a second call on the same objects."""
    name = getattr(function, "__name__", "the function")
    reply: dict = {"error": None, "warnings": [], "aliases": []}
    threads = _threads() if keep_args else None
    after = None
    with _catch_warnings(record=True, module=_warnings) as caught, _errstate(all="warn", under="ignore"):
        _simplefilter("always")
        watch = Watch(timeout) if timeout else None
        try:
            if watch:
                with watch:
                    value = function(*args)
                    after = _copied(args) if keep_args else None
            else:
                value = function(*args)
                after = _copied(args) if keep_args else None
        except CellTimeout as error:
            reply["error"] = f"{name} did not return within {timeout:.3g} s (call time limit)."
            reply["kind"] = "timeout"
            if namespace is not None:
                reply["stuck_in"] = names_of(watch.stuck_code(error, timeout), namespace)
                stop_stuck(namespace, reply["stuck_in"])
            return reply
        except BaseException as error:  # SystemExit, KeyboardInterrupt: the student's problem, not ours
            if stuck := called_stuck(error):
                reply["error"] = (f"{name} was not run to the end: it calls {stuck}, which already ran past "
                                  f"its time limit.")
                reply["kind"], reply["stuck_in"] = "calls_stuck", [stuck]
                return reply
            reply["error"] = describe_error(error, name)
            reply["kind"], reply["where"] = error_kind(error), error_place(error)
            return reply
    reply["warnings"] = _warning_texts(caught)
    reply["value"] = value
    if keep_args:  # asked for by purity checks only: finding views costs time on every call
        reply["args_after"] = after
        reply["aliases"] = _aliases(value, args)
        _settle(threads)
    return reply


def _copied(value, depth: int = 0):
    """The arguments as they are now: arrays copied (by NumPy's C code, which
    runs nothing of the notebook's), containers rebuilt, anything else kept."""
    kind = type(value)
    if kind is _ndarray:
        return _ndarray_copy(value)
    if depth > 64:  # a list the call put into itself
        return value
    if kind is tuple:
        return tuple([_copied(v, depth + 1) for v in value])
    if kind is list:
        return [_copied(v, depth + 1) for v in value]
    if kind is dict:
        return {k: _copied(v, depth + 1) for k, v in value.items()}
    return value


def _threads() -> frozenset | None:
    """The ids of this process's threads (None where /proc cannot tell)."""
    try:
        return frozenset(_listdir("/proc/self/task"))
    except OSError:
        return None


def _settle(before: frozenset | None) -> None:
    """Give the threads started during the call up to SETTLE_SECONDS to finish."""
    deadline = _monotonic() + SETTLE_SECONDS
    while before is not None and _monotonic() < deadline:
        now = _threads()
        if now is None or now <= before:
            return
        _sleep(0.005)


def _warning_texts(caught: list) -> list[str]:
    """"Category: text" of each warning, read without running the notebook's
    code (a warning's own __str__ could undo what the call did): the class's
    name, and the message when it is a plain string."""
    texts = []
    for warning in caught[:20]:
        if type(warning) is not _WarningMessage:
            continue
        message = vars(warning).get("message")
        if not issubclass(type(message), BaseException):
            continue
        args = _exception_args(message)
        text = args[0] if type(args) is tuple and len(args) == 1 and type(args[0]) is str else ""
        texts.append(f"{_type_name(type(message))}: {text}")
    return texts


def _alias_finder():
    """The part of the purity probe that runs in the student's process, kept
    in a closure over the NumPy functions it needs as they were at import
    (before any student code): patching ``np.shares_memory`` changes nothing
    here. Returns ``aliases(value, args)``: the paths of the parts of
    ``value`` that share memory with an array among ``args``."""
    shares_memory, ndarray = np.shares_memory, np.ndarray

    def leaves(value):
        if type(value) in (tuple, list):
            for v in value:
                yield from leaves(v)
        elif type(value) is dict:
            for v in value.values():
                yield from leaves(v)
        else:
            yield value

    def paths(value, path):
        if type(value) in (tuple, list):
            for i, v in enumerate(value):
                yield from paths(v, f"{path}[{i}]")
        elif type(value) is dict:
            for k, v in value.items():
                yield from paths(v, f"{path}[{k!r}]")
        else:
            yield path, value

    def aliases(value, args) -> list[str]:
        inputs = [a for a in leaves(args) if isinstance(a, ndarray)]
        return [path for path, leaf in paths(value, "result")
                if isinstance(leaf, ndarray) and any(shares_memory(leaf, a) for a in inputs)]

    return aliases


_aliases = _alias_finder()


def run_cell(namespace: dict, source: str, index: int, timeout: float, call_limit: float | None = None) -> dict:
    """Execute one cell; a timeout interrupts it like a kernel interrupt. A
    function stuck past ``call_limit`` in one call is stopped for later cells
    and reported (``stuck_in``)."""
    out = CappedWriter()
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = out
    status, message = "ok", ""
    try:
        code = compile(source, f"<cell {index}>", "exec")
    except SyntaxError as error:
        sys.stdout, sys.stderr = saved
        return {"status": "syntax", "message": f"SyntaxError in cell {index}, line {error.lineno}: {error.msg}",
                "output": ""}
    stuck: list[str] = []
    watch = Watch(timeout)
    try:
        with watch:
            exec(code, namespace)
    except CellTimeout as error:
        status, message = "timeout", f"cell {index} was interrupted after {timeout:.3g} s (cell time limit)."
        stuck = names_of(watch.stuck_code(error, call_limit or timeout), namespace)
        stop_stuck(namespace, stuck)
    except BaseException as error:
        status, message = "error", describe_error(error, f"cell {index}")
        if called := called_stuck(error):
            message = f"cell {index} called {called}, which already ran past its time limit; the cell stopped there."
    finally:
        sys.stdout, sys.stderr = saved
    if out.dropped:
        message = (message + " " if message else "") + (
            f"cell {index} printed more than {out.cap // 1024} KB; the rest was dropped (output limit).")
    return {"status": status, "message": message, "output": out.value(), "stuck_in": stuck}


def answer_calls(header: dict, blobs: list[bytes], namespace: dict, store: protocol.HandleStore,
                 after_each=lambda: None) -> tuple[list[dict], list[bytes]]:
    """A batch of call requests (``header["calls"]``) answered in order, each
    within ``header["timeout"]`` seconds: the replies and their blobs.
    ``after_each`` runs after every call. With ``header["budget"]`` (seconds),
    no call starts once the batch has run that long: each later one is
    answered ``{"kind": "not_run"}``, and the grader makes it itself."""
    calls, budget, timeout = header.get("calls"), header.get("budget"), header.get("timeout")
    out_blobs: list[bytes] = []
    replies: list[dict] = []
    received: list = []  # the arguments of this batch's calls, for a call on the same objects
    started = _monotonic()
    for request in calls if isinstance(calls, list) else []:
        if type(budget) in (int, float) and _monotonic() - started > budget:
            replies.append({"kind": "not_run"})
            received.append(None)
            continue
        replies.append(answer_call(request, blobs, out_blobs, namespace, store, timeout, received))
        after_each()
    return replies, out_blobs


def answer_call(request: dict, blobs: list[bytes], out_blobs: list[bytes], namespace: dict,
                store: protocol.HandleStore, timeout: float | None, received: list | None = None) -> dict:
    """One call request as it arrives on the wire, answered as it leaves:
    arguments decoded, the function called, its value encoded into ``out_blobs``.
    ``received`` holds the arguments of the batch's earlier calls: a request
    with ``same_args_as: k`` is called on the very objects call k received (as
    they are now), so that an in-place change shows in its value."""
    name = str(request.get("name"))
    received = [] if received is None else received
    same = request.get("same_args_as")
    try:
        if type(same) is int and 0 <= same < len(received) and received[same] is not None:
            args = received[same]
        else:
            args = tuple(protocol.decode(request["args"], blobs, store))
    except Exception as error:
        received.append(None)
        return {"error": f"could not receive the arguments: {error}"}
    received.append(args)
    function = namespace.get(name)
    if not callable(function):
        return {"error": f"{name} is not defined as a function in your notebook.", "kind": "undefined"}
    reply = perform_call(function, args, request.get("keep_args", False), timeout, namespace)
    mark = len(out_blobs)
    try:
        for key in ("value", "args_after"):
            if key in reply:
                reply[key] = protocol.encode(reply[key], out_blobs, store)
    except Exception as error:
        del out_blobs[mark:]
        reply = {"error": f"{name} returned a value the grader cannot read: {error}", "kind": "unreadable"}
    return reply
