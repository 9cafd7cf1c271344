"""Reading one call's reply from the student's process: whatever it holds,
it fails that call alone, and what a hidden test may show of a failure is
built from the grader's own words only.
"""

from __future__ import annotations

import builtins

from autograder.engine import protocol
from autograder.engine.calls import CallResult


def said(message: str) -> CallResult:
    """A failure the grader describes itself: safe for hidden tests as it is."""
    return CallResult(error=message, brief=message)



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


def read_reply(name: str, header, blobs: list[bytes]) -> tuple[CallResult, bool]:
    """One call's reply as a CallResult, and whether it broke the protocol.
    Whatever the reply holds (values nested past any limit, dtypes numpy
    cannot parse, text in place of lists), it fails this call alone; ``brief``
    is always in the grader's own words."""
    unreadable = said(BRIEF["unreadable"].format(name=name))
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
