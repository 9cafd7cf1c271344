"""The wire format between the grader and the student's process.

Nothing here unpickles. A message is a JSON header plus raw binary blobs;
arrays travel as dtype, shape and raw bytes (plain numeric dtypes only),
scalars and strings as JSON. A value that is none of these stays in the
child's process and crosses as a *handle*: an id the parent can pass back
(the opaque ``cache`` of an MLP forward pass), but never look inside.

This module is imported by the child too: standard library, NumPy and
``autograder.tree`` (itself standard library only).
"""

from __future__ import annotations

import builtins as _builtins

# A private copy of the builtins for this module's functions: student code in
# the same process that patches builtins (min, all, len...) must not break the
# grader's side of the conversation.
__builtins__ = dict(vars(_builtins))

import functools
import json
import math
import socket
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from autograder.tree import tree_map

MAX_HEADER = 16 * 2**20
MAX_BLOB = 512 * 2**20  # bytes in one message (the grader asks for far less: see session.reply_limits)
MAX_BLOBS = 100_000
MAX_DEPTH = 32
MAX_TYPE_NAME = 80


class ProtocolError(Exception):
    """The other side sent something that is not a valid message. The text is
    the reader's own words: it never quotes what was sent."""


class TooLarge(ProtocolError):
    """A message larger than the reader accepts; refused before it is read."""


@dataclass(frozen=True)
class Handle:
    """A value that stayed in the student's process."""

    id: int
    type_name: str


@dataclass(frozen=True)
class Code:
    """A small test function sent as an input (``lambda x: np.sin(x)``).
    It is compiled where it is called: by the student's process for the
    student's function, by the grader for the reference."""

    source: str

    def compile(self):
        """The function ``source`` defines (NumPy as ``np``). SyntaxError if it is not an expression."""
        return eval(compile(self.source, "<test function>", "eval"), {"np": np})


def materialize(value):
    """``value``, a tree of arguments (``tree``), with every Code replaced by
    the function it defines. SyntaxError if a Code's source is not an
    expression."""
    return tree_map(lambda leaf: leaf.compile() if isinstance(leaf, Code) else leaf, value)


class HandleStore:
    """The values of one student's process that stay there, by handle id (1, 2, ...)."""

    def __init__(self):
        self._objects: dict[int, object] = {}

    def add(self, value) -> int:
        """Keep ``value``; its new handle id."""
        key = len(self._objects) + 1
        self._objects[key] = value
        return key

    def get(self, key: int):
        """The value kept as ``key``. ProtocolError for an id never given out."""
        if key not in self._objects:
            raise ProtocolError(f"unknown handle {key}")
        return self._objects[key]


def encode(value, blobs: list[bytes], store: HandleStore | None = None, depth: int = 0):
    """Turn ``value`` into JSON-able data, appending array bytes to ``blobs``.
    TypeError for a value nested deeper than MAX_DEPTH and, without a
    ``store``, for one the format cannot carry (with a store, such a value
    stays behind as a handle)."""
    if depth > MAX_DEPTH:
        raise TypeError("the value is nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if type(value) is int:
        return value
    if type(value) in (float, np.float64):
        return {"float": repr(float(value))}
    if isinstance(value, np.generic) and value.dtype.kind in "iuf":
        value = np.asarray(value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf" and value.dtype.fields is None:
        array = np.asarray(value)  # not ascontiguousarray: it would turn a 0-d array into shape (1,)
        blobs.append(array.tobytes(order="C"))
        return {"array": len(blobs) - 1, "dtype": array.dtype.str, "shape": list(array.shape)}
    if type(value) in (tuple, list):
        return {type(value).__name__: [encode(v, blobs, store, depth + 1) for v in value]}
    if type(value) is dict and all(type(k) is str for k in value):
        return {"dict": {k: encode(v, blobs, store, depth + 1) for k, v in value.items()}}
    if isinstance(value, Handle):
        return {"handle": value.id}
    if isinstance(value, Code):
        return {"code": value.source}
    if store is not None:
        kind = f"array of dtype {value.dtype}" if isinstance(value, np.ndarray) else type(value).__name__
        return {"handle": store.add(value), "type": kind[:80]}
    raise TypeError(f"a value of type {type(value).__name__} cannot be sent")


def decode(data, blobs: list[bytes], store: HandleStore | None = None, depth: int = 0):
    """The inverse of ``encode``; validates everything it reads. ProtocolError
    for anything malformed, nested deeper than MAX_DEPTH, or an array of a
    dtype other than bool, int, uint or float."""
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    if data is None or isinstance(data, (bool, str)):
        return data
    if isinstance(data, int):
        return data
    if not isinstance(data, dict) or len(data) not in (1, 2, 3):
        raise ProtocolError("malformed value")
    kind, payload = next(iter(data.items()))
    if kind == "float" and isinstance(payload, str):
        return float(payload)
    if kind == "array" and isinstance(payload, int) and 0 <= payload < len(blobs):
        return _array(blobs[payload], data.get("dtype"), data.get("shape"))
    if kind in ("list", "tuple") and isinstance(payload, list):
        items = [decode(v, blobs, store, depth + 1) for v in payload]
        return items if kind == "list" else tuple(items)
    if kind == "dict" and isinstance(payload, dict):
        return {str(k): decode(v, blobs, store, depth + 1) for k, v in payload.items()}
    if kind == "code" and isinstance(payload, str):
        return Code(payload).compile() if store is not None else Code(payload)
    if kind == "handle" and isinstance(payload, int):
        if store is not None:
            return store.get(payload)
        type_name = data.get("type", "object")
        return Handle(payload, type_name[:MAX_TYPE_NAME] if isinstance(type_name, str) else "object")
    raise ProtocolError("malformed value")


def _array(blob: bytes, dtype, shape) -> np.ndarray:
    """Rebuild an array from raw bytes, accepting only plain numeric dtypes."""
    if not isinstance(dtype, str) or not isinstance(shape, list) or not all(
            isinstance(n, int) and n >= 0 for n in shape) or len(shape) > 32:
        raise ProtocolError("malformed array")
    kind = _plain_dtype(dtype)
    count = math.prod(shape)
    if count * kind.itemsize != len(blob):
        raise ProtocolError("array size does not match its shape")
    return np.frombuffer(blob, dtype=kind).reshape(shape).copy()


@functools.lru_cache(maxsize=64)
def _plain_dtype(name: str) -> np.dtype:
    try:
        kind = np.dtype(name)
    except Exception:  # TypeError, ValueError, SyntaxError...: whatever numpy makes of the text
        raise ProtocolError("unknown dtype") from None
    if kind.kind not in "biuf" or kind.fields is not None or kind.subdtype is not None:
        named = "object" if kind.kind == "O" else "other than bool, int, uint or float"  # its name is the sender's
        raise ProtocolError(f"arrays of dtype {named} are not allowed")
    return kind


def frame(header: dict, blobs: Sequence[bytes] = ()) -> bytes:
    """A whole message: sizes, the JSON header, the blob lengths, then the blobs."""
    head = json.dumps(header).encode()
    sizes = struct.pack(f"!{len(blobs)}Q", *(len(b) for b in blobs))
    total = len(head) + len(sizes) + sum(len(b) for b in blobs)
    return b"".join([struct.pack("!IIQ", len(head), len(blobs), total), head, sizes, *blobs])


def send(sock: socket.socket, header: dict, blobs: Sequence[bytes] = (), deadline: float | None = None) -> None:
    """One write of ``frame(header, blobs)``; ``deadline`` (time.monotonic())
    bounds the whole write."""
    if deadline is not None:
        sock.settimeout(_left(deadline))  # sendall's timeout bounds the whole call, not each write
    sock.sendall(frame(header, blobs))


def receive(sock: socket.socket, deadline: float | None = None, max_bytes: int = MAX_BLOB,
            max_header: int = MAX_HEADER) -> tuple[dict, list[bytes]]:
    """Two reads: the sizes, then the whole message, checked against them.

    ``deadline`` (time.monotonic()) bounds the whole message however slowly it
    arrives: TimeoutError once it passes. A message declaring more than
    ``max_bytes`` in all or ``max_header`` of JSON is refused (TooLarge) before
    any of it is read. Every other defect, however deep or odd, is a
    ProtocolError."""
    head_size, count, total = struct.unpack("!IIQ", _exactly(sock, 16, deadline))
    if head_size > max_header or total > max_bytes:
        raise TooLarge("message too large")
    if count > MAX_BLOBS or head_size + 8 * count > total:
        raise ProtocolError("malformed message")
    body = memoryview(_exactly(sock, total, deadline))
    try:
        header = json.loads(body[:head_size].tobytes())
    except (ValueError, RecursionError, MemoryError):  # ValueError covers bad UTF-8 and huge int literals
        raise ProtocolError("bad header") from None
    if not isinstance(header, dict):
        raise ProtocolError("header is not an object")
    sizes = struct.unpack_from(f"!{count}Q", body, head_size)
    position = head_size + 8 * count
    if position + sum(sizes) != total:
        raise ProtocolError("blob sizes do not add up")
    blobs = []
    for size in sizes:
        blobs.append(body[position:position + size].tobytes())
        position += size
    return header, blobs


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("timed out")
    return left


def _exactly(sock: socket.socket, size: int, deadline: float | None = None) -> bytearray:
    """``size`` bytes; with a deadline, the time left is checked before every
    read, so a reply that trickles in cannot extend it."""
    buffer = bytearray(size)
    view, received = memoryview(buffer), 0
    while received < size:
        if deadline is not None:
            sock.settimeout(_left(deadline))
        count = sock.recv_into(view[received:], min(size - received, 2**20))
        if not count:
            raise EOFError("the other side closed the connection")
        received += count
    return buffer
