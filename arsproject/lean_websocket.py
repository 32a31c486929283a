"""Cheaper per-frame work in daphne's WebSocket layer (autobahn), same frames on the wire.

Profiling daphne under 50 media streams (bench/profile_areas.py) put a third of its CPU in
autobahn, mostly in three things that do nothing for us:

- unmasking each incoming frame with autobahn's native masker: a cffi object, two buffers and
  an import per frame, about 10 us for a 300-byte frame. `websockets` (already a dependency)
  has a C `apply_mask` that does the same XOR in 0.1 us;
- building highlighted names for debug log lines that are then dropped (hltype/hlval on every
  read and write, about 3 us each);
- firing autobahn's "message" observer signal, a Deferred and two callbacks per message, when
  no observer can exist (daphne never subscribes: `_listeners` stays None);
- validating UTF-8 with a native incremental validator per frame, when daphne decodes every
  text message with Python's strict decoder anyway.

install() swaps the masker factory and the two highlighters in autobahn's modules and gives
daphne's factory a protocol subclass that skips the empty signal. Masking and message
delivery are unchanged otherwise (tests/foundation/test_lean_websocket.py); autobahn is
pinned in requirements.txt because this relies on its module layout.
"""

from __future__ import annotations

from autobahn.twisted import websocket as twisted_websocket
from autobahn.websocket import protocol as websocket_protocol
from daphne import ws_protocol
from websockets.frames import apply_mask


class RollingMasker:
    """autobahn's masker interface over websockets' apply_mask: XOR with a 4-byte key."""

    __slots__ = ("_mask", "_ptr")

    def __init__(self, mask: bytes):
        self._mask = bytes(mask)
        self._ptr = 0

    def pointer(self) -> int:
        """Bytes processed so far."""
        return self._ptr

    def reset(self) -> None:
        """Start again at the first byte of the key."""
        self._ptr = 0

    def process(self, data: bytes) -> bytes:
        """XOR the next len(data) bytes of the stream with the key (frames may come in parts)."""
        shift = self._ptr & 3  # a part that starts mid-key (a frame split across reads)
        mask = self._mask[shift:] + self._mask[:shift] if shift else self._mask
        masked = apply_mask(bytes(data), mask)
        self._ptr += len(data)
        return masked


def create_masker(mask: bytes, length: int | None = None) -> RollingMasker:
    """autobahn's create_xor_masker signature; the length does not matter here."""
    return RollingMasker(mask)


def plain(value, *args, **kwargs):
    """Stands in for autobahn's hltype/hlval: debug lines get the value itself, for free."""
    return value


class LeanWebSocketProtocol(ws_protocol.WebSocketProtocol):
    """daphne's protocol without autobahn's per-message observer signal when nobody listens.

    It also checks a text message's UTF-8 with Python's decoder when the message is complete,
    instead of autobahn's native incremental validator on every frame (a cffi call each): invalid
    text still fails the connection through autobahn's own _invalid_payload, as before.
    """

    def _connectionMade(self) -> None:
        """autobahn copies the factory's options here; ours validates UTF-8 in onMessage."""
        super()._connectionMade()
        self.utf8validateIncoming = False

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        """Refuse text that is not UTF-8 (1007), then hand the message to daphne."""
        if not isBinary:
            try:
                payload.decode("utf-8")
            except UnicodeDecodeError:
                self._invalid_payload("encountered invalid UTF-8 while processing text message")
                return
        super().onMessage(payload, isBinary)

    def onMessageEnd(self) -> None:
        """autobahn's onMessageEnd minus fire('message') while no observer is registered."""
        if self._listeners is not None or self.failedByMe or self.trackedTimings:
            super().onMessageEnd()
            return
        payload = b"".join(self.message_data)
        self._onMessage(payload, self.message_is_binary)
        self.message_data = None


def install() -> None:
    """Patch autobahn's per-frame helpers and daphne's protocol class (idempotent)."""
    websocket_protocol.create_xor_masker = create_masker
    for module in (websocket_protocol, twisted_websocket):
        module.hltype = plain
        module.hlval = plain
    ws_protocol.WebSocketFactory.protocol = LeanWebSocketProtocol
