"""Time limits inside the student's process: the watch that interrupts a
cell or a call at its limit like a kernel interrupt, tells a function stuck in
one call from one called many times, and makes a stuck function fail at once
afterwards. Standard library only: this runs in the sandbox.
"""

from __future__ import annotations

import builtins as _builtins

# A private copy of the builtins for this module's functions: student code in
# the same process that patches builtins (min, all, len...) must not break the
# grader's side of the conversation.
__builtins__ = dict(vars(_builtins))

import signal
import time
import traceback
import types


# The library functions used around a student's call, held from import (before any notebook ran): a
# notebook that rebinds signal.setitimer or time.monotonic does not reach into the watch. This
# module's entries are recorded by integrity.snapshot.
_signal, _setitimer, _monotonic = signal.signal, signal.setitimer, time.monotonic
_ITIMER_REAL, _SIGALRM = signal.ITIMER_REAL, signal.SIGALRM
_walk_tb, _FunctionType = traceback.walk_tb, types.FunctionType


class CellTimeout(BaseException):
    """Raised in the student's code when a cell or a call runs too long."""


TICK = 0.25  # seconds between looks at which notebook functions are running
STUCK_SHARE = 0.9  # one call running this share of the call limit has run past it, give or take a tick


class Watch:
    """The time limit of one cell or call, like a kernel interrupt, and a look
    every TICK seconds at the notebook functions running. At the limit it can
    tell a function stuck in one call (the same frame seen for most of the
    call limit) from a function called many times: only the first is *stuck*,
    and its later calls can fail at once instead of hanging again."""

    def __init__(self, timeout: float):
        self.timeout = max(timeout, 0.001)
        self.deadline = _monotonic() + self.timeout
        self.first_seen: dict[int, tuple[float, object]] = {}

    def __enter__(self) -> "Watch":
        _signal(_SIGALRM, self._tick)  # the student's code may have replaced the handler
        _setitimer(_ITIMER_REAL, min(TICK, self.timeout), TICK)
        return self

    def __exit__(self, *exc) -> None:
        _setitimer(_ITIMER_REAL, 0)

    def _tick(self, signum, frame) -> None:
        now = _monotonic()
        if now >= self.deadline:
            _setitimer(_ITIMER_REAL, 0)
            raise CellTimeout()
        while frame is not None:
            code = frame.f_code
            if code.co_filename.startswith("<cell") and code.co_name != "<module>":
                self.first_seen.setdefault(id(frame), (now, frame))  # the frame is kept: its id stays unique
            frame = frame.f_back

    def stuck_code(self, error: BaseException, call_limit: float):
        """The code of the innermost notebook function whose one call ran for
        (nearly) the whole call limit when ``error`` (the timeout) was raised."""
        frames = [frame for frame, _ in _walk_tb(error.__traceback__)]
        now = _monotonic()
        for frame in reversed(frames):
            seen = self.first_seen.get(id(frame))
            if seen and seen[1] is frame and now - seen[0] >= STUCK_SHARE * call_limit - TICK:
                return frame.f_code
        return None


def names_of(code, namespace: dict) -> list[str]:
    """The notebook's names for the function whose code this is."""
    if code is None:
        return []
    return sorted(name for name, value in list(namespace.items())
                  if isinstance(value, _FunctionType) and value.__code__ is code)[:5]


def _stand_in(*args, **kwargs):
    raise TimeoutError("this function ran past its time limit before")


def stop_stuck(namespace: dict, names) -> None:
    """Make each named function fail at once from now on, wherever it is
    called from: its code is swapped (closures that captured the function see
    the change too) or, when that is impossible, its name rebound. A frame of
    the stand-in is named after the function, in the file ``<stuck>``."""
    for name in names:
        function = namespace.get(name) if isinstance(name, str) else None
        if not isinstance(function, _FunctionType) or function.__code__.co_filename == "<stuck>":
            continue
        code = _stand_in.__code__.replace(co_name=name, co_qualname=name, co_filename="<stuck>")
        try:
            function.__code__ = code
        except ValueError:  # a closure's code must keep its free variables: rebind the name instead
            namespace[name] = _FunctionType(code, namespace, name)


def called_stuck(error: BaseException) -> str | None:
    """The stuck function an error came from, if it did."""
    for frame, _ in _walk_tb(error.__traceback__):
        if frame.f_code.co_filename == "<stuck>":
            return frame.f_code.co_name
    return None
