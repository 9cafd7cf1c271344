"""One process on the untrusted side as the grader reaches it: a socket and
a pidfd received by SCM_RIGHTS, so a hung or hostile process is killed with
``pidfd_send_signal`` whatever pid namespace it lives in; and how much the
grader reads from it, at most, in one reply.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass

from autograder.engine import protocol
from autograder.engine.integrity import TAMPERED

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


class ProcessLost(Exception):
    """The student's process died or stopped answering. The reason is a key
    of ``messages.LOST_REASONS`` or a phrase of the grader's: nothing the
    process sent."""


def reply_limits(header: dict, blobs: Sequence[bytes] = (), arrays: int | None = None) -> tuple[int, int]:
    """The most a reply to ``header`` may hold: (all bytes, JSON bytes). A
    batch of calls may send each call's arguments back once (purity checks).
    ``arrays``: the array bytes of the whole reply, in place of the batch's
    (a batch that must cost no more memory than one call)."""
    calls = header.get("calls")
    if not isinstance(calls, list):
        return CONTROL_REPLY, CONTROL_REPLY
    count = max(1, len(calls))
    head = min(REPLY_HEADER + REPLY_HEADER_PER_CALL * (count - 1), REPLY_HEADER_MAX)
    if arrays is None:
        arrays = min(REPLY_BYTES_PER_CALL * count, REPLY_BYTES)
    return head + 16 * count + arrays + sum(len(b) for b in blobs), head


@dataclass
class Channel:
    """A socket and a pidfd for one process on the untrusted side."""

    sock: socket.socket
    pidfd: int
    closed: bool = False
    tampered: bool = False  # the process said the grader's code in it was changed (integrity.TAMPERED)

    def request(self, header: dict, blobs: Sequence[bytes] = (), timeout: float | None = None,
                arrays: int | None = None) -> tuple[dict, list[bytes]]:
        """Send, then wait for the reply: ``timeout`` bounds the whole exchange
        (one deadline, however slowly the reply trickles in), and the reply may
        be no larger than ``reply_limits`` allows. Whatever goes wrong with the
        reply is a ProcessLost with a key of ``messages.LOST_REASONS``. A
        TAMPERED verdict before the reply is recorded (``tampered``, for good)
        and the reply read after it."""
        deadline = None if timeout is None else time.monotonic() + timeout
        most, head = reply_limits(header, blobs, arrays)
        try:
            self.sock.settimeout(timeout)
            protocol.send(self.sock, header, blobs, deadline)
            reply = protocol.receive(self.sock, deadline, most, head)
            if reply[0] == TAMPERED:
                self.tampered = True
                reply = protocol.receive(self.sock, deadline, most, head)
            return reply
        except (socket.timeout, TimeoutError):
            raise ProcessLost("timeout") from None
        except (EOFError, ConnectionError, OSError):
            raise ProcessLost("ended") from None
        except protocol.TooLarge:
            raise ProcessLost("too large") from None
        except Exception:  # ProtocolError, RecursionError, MemoryError...: the reply, never the grader's row
            raise ProcessLost("unreadable") from None

    def receive_channel(self, timeout: float) -> "Channel":
        """The next process the other side hands over (its socket and pidfd, by
        SCM_RIGHTS) within ``timeout`` seconds. ProcessLost otherwise."""
        sock, pidfd = self._receive_fds(2, timeout)
        return Channel(socket.socket(fileno=sock), pidfd)

    def receive_pidfd(self, timeout: float) -> int:
        """A pidfd the other side hands over (of itself: the zygote's, as it
        says it is ready) within ``timeout`` seconds. ProcessLost otherwise."""
        return self._receive_fds(1, timeout)[0]

    def _receive_fds(self, count: int, timeout: float) -> list[int]:
        """Exactly ``count`` file descriptors, by SCM_RIGHTS; any other number is closed."""
        self.sock.settimeout(timeout)
        try:
            _, fds, _, _ = socket.recv_fds(self.sock, 1, count)
        except (socket.timeout, TimeoutError):
            raise ProcessLost("timeout") from None
        except OSError:
            raise ProcessLost("ended") from None
        if len(fds) != count:
            for fd in fds:
                os.close(fd)
            raise ProcessLost("ended")
        return fds

    def kill(self) -> None:
        """SIGKILL the process (through its pidfd), then close our ends. Once only."""
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


def pid_of(pidfd: int) -> int | None:
    """The pid (in the grader's namespace) a pidfd refers to; None once it has exited."""
    try:
        with open(f"/proc/self/fdinfo/{pidfd}") as info:
            for line in info:
                if line.startswith("Pid:"):
                    pid = int(line.split()[1])
                    return pid if pid > 0 else None
    except (OSError, ValueError):
        pass
    return None


def is_child_of(child_pidfd: int, parent_pidfd: int) -> bool:
    """Whether the process of ``child_pidfd`` is, right now, a child of that of
    ``parent_pidfd`` (False when either is gone or cannot be read)."""
    child, parent = pid_of(child_pidfd), pid_of(parent_pidfd)
    if not child or not parent or child <= 0:
        return False
    try:
        with open(f"/proc/{child}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return int(fields[1]) == parent
    except (OSError, ValueError, IndexError):
        return False
