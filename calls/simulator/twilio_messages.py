"""Build the Media Streams messages Twilio sends; validate the ones a server sends back (pure)."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

FRAME_BYTES = 160  # 20 ms of 8 kHz mu-law, the framing Twilio uses in practice (reference §3.3)
FRAME_MS = 20
DTMF_DIGITS = frozenset("0123456789*#")

MALFORMED = 31950  # binary frame or raw audio (reference §4.4)
INVALID = 31951  # bad JSON, unknown event, missing/extra/misshaped fields, wrong streamSid
HANDSHAKE_FAILED = 31920
SERVER_CLOSED = 31921


class StreamMessages:
    """Builds one stream's inbound messages, owning the shared sequenceNumber and chunk counters."""

    def __init__(self, stream_sid: str, account_sid: str, call_sid: str, frame_ms: int = FRAME_MS):
        self.stream_sid = stream_sid
        self.account_sid = account_sid
        self.call_sid = call_sid
        self.frame_ms = frame_ms
        self._sequence = 0
        self._chunk = 0

    def _next_sequence(self) -> str:
        self._sequence += 1
        return str(self._sequence)

    def connected(self) -> dict:
        """Return the first frame; it alone carries no sequenceNumber or streamSid."""
        return {"event": "connected", "protocol": "Call", "version": "1.0.0"}

    def start(self, custom_parameters: dict[str, str]) -> dict:
        """Return the start message (sequenceNumber "1") describing the inbound-only stream."""
        return {
            "event": "start",
            "sequenceNumber": self._next_sequence(),
            "streamSid": self.stream_sid,
            "start": {
                "streamSid": self.stream_sid,
                "accountSid": self.account_sid,
                "callSid": self.call_sid,
                "tracks": ["inbound"],
                "customParameters": dict(custom_parameters),
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            },
        }

    def media(self, frame: bytes) -> dict:
        """Return the next inbound media frame; timestamp is chunk × frame_ms since stream start."""
        if len(frame) != FRAME_BYTES:
            raise ValueError(f"a media frame is {FRAME_BYTES} bytes, got {len(frame)}")
        self._chunk += 1
        return {
            "event": "media",
            "sequenceNumber": self._next_sequence(),
            "streamSid": self.stream_sid,
            "media": {
                "track": "inbound",
                "chunk": str(self._chunk),
                "timestamp": str(self._chunk * self.frame_ms),
                "payload": base64.b64encode(frame).decode("ascii"),
            },
        }

    def dtmf(self, digit: str) -> dict:
        """Return a keypress; note Twilio's "inbound_track" here versus "inbound" on media."""
        if digit not in DTMF_DIGITS:
            raise ValueError(f"DTMF digit must be one of 0-9, * or #, got {digit!r}")
        return {
            "event": "dtmf",
            "sequenceNumber": self._next_sequence(),
            "streamSid": self.stream_sid,
            "dtmf": {"track": "inbound_track", "digit": digit},
        }

    def mark(self, name: str) -> dict:
        """Return the echo of a mark whose audio has played (or was cleared)."""
        return {
            "event": "mark",
            "sequenceNumber": self._next_sequence(),
            "streamSid": self.stream_sid,
            "mark": {"name": name},
        }

    def stop(self) -> dict:
        """Return the stop message Twilio sends when the caller hangs up."""
        return {
            "event": "stop",
            "sequenceNumber": self._next_sequence(),
            "streamSid": self.stream_sid,
            "stop": {"accountSid": self.account_sid, "callSid": self.call_sid},
        }


@dataclass(frozen=True)
class PlayMedia:
    """A valid outbound media message: decoded mu-law bytes to queue for playout."""

    audio: bytes


@dataclass(frozen=True)
class PlaceMark:
    """A valid outbound mark message."""

    name: str


@dataclass(frozen=True)
class ClearBuffer:
    """A valid outbound clear message."""


@dataclass(frozen=True)
class Rejected:
    """An outbound frame Twilio would drop with warning `code`."""

    code: int
    reason: str


Outbound = PlayMedia | PlaceMark | ClearBuffer | Rejected

# Exactly the documented keys (reference §4.1–4.3); anything more is an "unexpected field".
_TOP_LEVEL_KEYS = {
    "media": {"event", "streamSid", "media"},
    "mark": {"event", "streamSid", "mark"},
    "clear": {"event", "streamSid"},
}


def check_outbound(frame: str | bytes, stream_sid: str) -> Outbound:
    """Validate one server→Twilio frame as Twilio does: the action to take, or a rejection."""
    if isinstance(frame, bytes):
        return Rejected(MALFORMED, "binary frame (Twilio accepts only JSON text frames)")
    try:
        message = json.loads(frame)
    except ValueError:
        return Rejected(INVALID, f"not JSON: {frame[:60]!r}")
    if not isinstance(message, dict):
        return Rejected(INVALID, "JSON message is not an object")
    event = message.get("event")
    if event not in _TOP_LEVEL_KEYS:
        return Rejected(INVALID, f"unknown or missing event: {event!r}")
    keys = set(message)
    if keys != _TOP_LEVEL_KEYS[event]:
        return Rejected(
            INVALID, f"{event}: fields {sorted(keys)} != {sorted(_TOP_LEVEL_KEYS[event])}"
        )
    if message["streamSid"] != stream_sid:
        return Rejected(INVALID, f"{event}: streamSid {message['streamSid']!r} is not this stream")
    if event == "media":
        return _check_media(message["media"])
    if event == "mark":
        return _check_mark(message["mark"])
    return ClearBuffer()


def _check_media(media: object) -> Outbound:
    if not isinstance(media, dict) or set(media) != {"payload"}:
        return Rejected(INVALID, f"media: body must be exactly {{payload}}, got {media!r:.80}")
    payload = media["payload"]
    if not isinstance(payload, str):
        return Rejected(INVALID, "media: payload is not a string")
    try:
        return PlayMedia(base64.b64decode(payload, validate=True))
    except binascii.Error:
        return Rejected(INVALID, f"media: payload is not valid base64: {payload[:40]!r}")


def _check_mark(mark: object) -> Outbound:
    if not isinstance(mark, dict) or set(mark) != {"name"}:
        return Rejected(INVALID, f"mark: body must be exactly {{name}}, got {mark!r:.80}")
    name = mark["name"]
    if not isinstance(name, str) or not name:
        return Rejected(INVALID, f"mark: name must be a non-empty string, got {name!r}")
    return PlaceMark(name)
