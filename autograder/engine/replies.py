"""Reading one call's reply from the student's process: whatever it holds,
it fails that call alone, and what a hidden test may show of a failure is
built from the grader's own words only.
"""

from __future__ import annotations

from autograder.engine import protocol
from autograder.engine.calls import CallResult
from autograder.messages import say

# The kinds of failure a student's process may report for a call (student_code.error_kind), each
# a template of messages.TEMPLATES; any other kind is an exception whose type is not named.
REPORTED_KINDS = frozenset({"not_implemented", "memory", "recursion", "process_limit", "file_limit", "timeout",
                            "undefined", "unreadable"})


def said(kind: str, **fields: object) -> CallResult:
    """A failure the grader describes itself (``messages.say(kind, **fields)``):
    safe for hidden tests as it is."""
    message = say(kind, **fields)
    return CallResult(error=message, brief=message)


def brief_error(name: str, header: dict) -> str:
    """The reason a call failed, from the grader's vocabulary only: the child's
    own text could carry anything, hidden inputs included. Only the kind of
    failure is named, one of ``REPORTED_KINDS`` (a limit, an unwritten stub);
    an exception's type is not, nor where it was raised: a student's code
    picks its exception type and the cell and line it reports, and could pick
    them from a hidden input (a choice among 60 built-in types is 6 bits per
    case)."""
    kind = header.get("kind")
    if isinstance(kind, str) and kind in REPORTED_KINDS:
        return say(kind, name=name)
    return say("raised_unknown", name=name)


def read_reply(name: str, header, blobs: list[bytes]) -> tuple[CallResult, bool]:
    """One call's reply as a CallResult, and whether it broke the protocol.
    Whatever the reply holds (values nested past any limit, dtypes numpy
    cannot parse, text in place of lists), it fails this call alone; ``brief``
    is always in the grader's own words."""
    unreadable = said("unreadable", name=name)
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
        return CallResult(error=say("unreadable_because", name=name, reason=error), brief=unreadable.brief), True
    except Exception:  # RecursionError, MemoryError, ValueError...: this call's failure, never the row's
        return unreadable, True
    return CallResult(value=value, args_after=after, warnings=warnings, aliases=aliases), False


def _strings(value, most: int = 20) -> list[str]:
    return [item for item in value[:most] if isinstance(item, str)] if isinstance(value, list) else []


def _text(value, most: int) -> str:
    return value[:most] if isinstance(value, str) else "(a message the grader cannot read)"
