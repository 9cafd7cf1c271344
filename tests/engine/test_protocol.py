import json
import socket
import struct
import time

import numpy as np
import pytest

from autograder.engine import protocol


def round_trip(value, store=None):
    blobs: list[bytes] = []
    return protocol.decode(protocol.encode(value, blobs, store), blobs)


def test_arrays_scalars_and_containers_round_trip():
    value = (np.arange(6.0).reshape(2, 3), {"dW1": np.ones(2, dtype=np.float32), "n": 3}, [1.5, float("nan")], None,
             True, "text", np.float64(0.25), np.int64(7))
    back = round_trip(value)
    np.testing.assert_array_equal(back[0], value[0])
    assert back[1]["dW1"].dtype == np.float32 and back[1]["n"] == 3
    assert back[2][0] == 1.5 and np.isnan(back[2][1])
    assert back[3:6] == (None, True, "text") and back[6] == 0.25 and back[7] == 7


def test_object_arrays_and_arbitrary_objects_cannot_be_sent_without_a_store():
    with pytest.raises(TypeError):
        round_trip(np.array([object()], dtype=object))
    with pytest.raises(TypeError):
        round_trip(object())


def test_other_objects_become_handles_that_resolve_on_their_side():
    store = protocol.HandleStore()
    cache = object()
    blobs: list[bytes] = []
    handle = protocol.decode(protocol.encode((1.0, cache), blobs, store), blobs)[1]
    assert isinstance(handle, protocol.Handle)
    blobs = []
    assert protocol.decode(protocol.encode(handle, blobs), blobs, store) is cache


def test_ndarray_subclasses_arrive_as_plain_arrays():
    class Sneaky(np.ndarray):
        def __eq__(self, other):
            return True

    back = round_trip(np.zeros(3).view(Sneaky))
    assert type(back) is np.ndarray


@pytest.mark.parametrize("data", [
    {"array": 0, "dtype": "|O", "shape": [1]},
    {"array": 0, "dtype": "<f8", "shape": [5]},
    {"array": 3, "dtype": "<f8", "shape": [1]},
    {"pickle": "gASV"},
    [1, 2],
])
def test_malformed_or_dangerous_values_are_refused(data):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(data, [np.zeros(1).tobytes()])


def test_code_is_compiled_only_where_it_is_called():
    sent = round_trip(protocol.Code("lambda x: np.sin(x)"))
    assert isinstance(sent, protocol.Code)
    blobs: list[bytes] = []
    function = protocol.decode(protocol.encode(sent, blobs), blobs, protocol.HandleStore())
    assert function(0.0) == 0.0


def test_messages_frame_header_and_blobs():
    a, b = socket.socketpair()
    protocol.send(a, {"op": "x"}, [b"123", b""])
    assert protocol.receive(b) == ({"op": "x"}, [b"123", b""])
    a.sendall(struct.pack("!IIQ", 2**30, 0, 2**30))
    with pytest.raises(protocol.ProtocolError):
        protocol.receive(b)
    header = json.dumps([1]).encode()
    a.sendall(struct.pack("!IIQ", len(header), 0, len(header)) + header)
    with pytest.raises(protocol.ProtocolError):
        protocol.receive(b)


def test_zero_dimensional_arrays_and_numpy_scalars_keep_their_shape():
    assert round_trip(np.asarray(2.5)).shape == ()
    assert round_trip(np.float32(2.5)).shape == ()
    np.testing.assert_array_equal(round_trip(np.arange(6.0).reshape(2, 3).T), np.arange(6.0).reshape(2, 3).T)


# --- bounded reading: one deadline, a size cap, and no text of the sender in an error ---------------------


def _trickle(sock, data: bytes, pause: float):
    import threading

    def run():
        try:
            for byte in data:
                sock.send(bytes([byte]))
                time.sleep(pause)
        except OSError:
            pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _send_in_background(sock, data: bytes):
    import threading

    threading.Thread(target=sock.sendall, args=(data,), daemon=True).start()


def test_a_reply_that_trickles_in_ends_at_the_deadline_not_later():
    a, b = socket.socketpair()
    header = json.dumps({"replies": []}).encode()
    # 16 bytes of sizes then the header: one byte every 0.2 s keeps each single read well within any timeout
    _trickle(a, struct.pack("!IIQ", len(header), 0, len(header)) + header, 0.2)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        protocol.receive(b, time.monotonic() + 1.0)
    assert time.monotonic() - started < 1.0 + 0.5
    a.close()
    b.close()


def test_a_deadline_already_past_reads_nothing():
    a, b = socket.socketpair()
    protocol.send(a, {"op": "x"})
    with pytest.raises(TimeoutError):
        protocol.receive(b, time.monotonic() - 1)
    assert protocol.receive(b, time.monotonic() + 5) == ({"op": "x"}, [])  # the message was left untouched


def test_a_message_larger_than_asked_for_is_refused_before_it_is_read():
    a, b = socket.socketpair()
    a.sendall(struct.pack("!IIQ", 2, 1, 510 * 2**20))  # declares 510 MB and sends none of it
    with pytest.raises(protocol.TooLarge):
        protocol.receive(b, time.monotonic() + 5, max_bytes=32 * 2**20)
    a.sendall(struct.pack("!IIQ", 2**20 + 1, 0, 2**20 + 1))
    with pytest.raises(protocol.TooLarge):
        protocol.receive(b, time.monotonic() + 5, max_header=2**20)


@pytest.mark.parametrize("header", [b"[" * 100_000 + b"]" * 100_000, b'{"a": ' * 100_000 + b"1" + b"}" * 100_000,
                                    b'{"replies": [' + b" " * 12345 + b"!", b"\xff\xfe", b"1" * 5000])
def test_a_header_nested_deeply_or_broken_is_a_protocol_error_that_quotes_nothing(header):
    a, b = socket.socketpair()
    _send_in_background(a, struct.pack("!IIQ", len(header), 0, len(header)) + header)
    with pytest.raises(protocol.ProtocolError) as caught:
        protocol.receive(b, time.monotonic() + 10)
    assert not any(ch.isdigit() for ch in str(caught.value))


@pytest.mark.parametrize("data", [
    {"MARKER-31415": 1, "b": 2, "c": 3, "d": 4},
    {"array": 0, "dtype": "MARKER-31415", "shape": [1]},
    {"array": 0, "dtype": "V31415", "shape": [1]},
    {"array": 0, "dtype": "(2,)f8,MARKER", "shape": [1]},
    {"MARKER-31415": [1]},
])
def test_decoding_errors_never_quote_what_was_sent(data):
    with pytest.raises(protocol.ProtocolError) as caught:
        protocol.decode(data, [np.zeros(1).tobytes()])
    assert "MARKER" not in str(caught.value) and "31415" not in str(caught.value)


def test_a_handle_type_name_is_kept_short():
    handle = protocol.decode({"handle": 3, "type": "x" * 10_000}, [])
    assert isinstance(handle, protocol.Handle) and len(handle.type_name) <= protocol.MAX_TYPE_NAME
