"""daphne's WebSocket layer unmasks frames exactly as before, with the cheaper masker."""

import os

from autobahn.websocket import protocol as websocket_protocol
from daphne import ws_protocol

from arsproject import lean_websocket
from arsproject.lean_websocket import LeanWebSocketProtocol, RollingMasker


def reference_xor(data: bytes, mask: bytes) -> bytes:
    """RFC 6455 masking, byte by byte."""
    return bytes(byte ^ mask[index % 4] for index, byte in enumerate(data))


def test_asgi_installs_the_lean_websocket_layer():
    import arsproject.asgi  # noqa: F401

    assert websocket_protocol.create_xor_masker is lean_websocket.create_masker
    assert ws_protocol.WebSocketFactory.protocol is LeanWebSocketProtocol


def test_a_whole_frame_is_unmasked_like_the_rfc_says():
    mask, data = os.urandom(4), os.urandom(333)
    masker = RollingMasker(mask)
    assert masker.process(data) == reference_xor(data, mask)
    assert masker.pointer() == 333


def test_a_frame_read_in_uneven_parts_continues_the_key_where_it_stopped():
    mask, data = os.urandom(4), os.urandom(1000)
    masker = RollingMasker(mask)
    parts, start = [], 0
    for size in (1, 2, 3, 5, 7, 250, 732):
        parts.append(masker.process(data[start : start + size]))
        start += size
    assert b"".join(parts) == reference_xor(data, mask)


def test_reset_starts_the_key_again_and_empty_data_is_empty():
    mask, data = os.urandom(4), os.urandom(10)
    masker = RollingMasker(mask)
    masker.process(data[:3])
    masker.reset()
    assert masker.process(data) == reference_xor(data, mask)
    assert masker.process(b"") == b""


def test_autobahn_masks_and_unmasks_with_it_too():
    mask = os.urandom(4)
    masked = lean_websocket.create_masker(mask, 20).process(bytearray(b"x" * 20))
    assert lean_websocket.create_masker(mask, 20).process(masked) == b"x" * 20
