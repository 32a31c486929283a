"""Audio frames of the monitor socket (supervisor voice): a 9-byte header, then mu-law. Pure.

    byte 0      channel: 0 caller, 1 agent (the AI as the caller heard it), 2 supervisor
    bytes 1-4   sequence number, per call and direction (uint32, big-endian)
    bytes 5-8   timestamp in ms on the call's stream clock (uint32, big-endian)
    bytes 9-    G.711 mu-law, 8 kHz mono (160 bytes = 20 ms for caller and microphone frames;
                agent chunks are as long as the model's audio deltas)

The same layout goes both ways: the server sends channels 0-2 to listeners, the browser of the
supervisor holding the call sends channel 2 (its microphone, 20 ms frames).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

CALLER, AGENT, SUPERVISOR = 0, 1, 2
HEADER = struct.Struct(">BII")
HEADER_BYTES = HEADER.size  # 9
MAX_PAYLOAD_BYTES = 8000  # one second: more in one frame is not a live stream
UINT32 = 0xFFFFFFFF


class BadAudioFrame(ValueError):
    """A binary frame that is not one of ours."""


@dataclass(frozen=True, slots=True)
class AudioFrame:
    """One decoded frame."""

    channel: int
    seq: int
    timestamp_ms: int
    ulaw: bytes


def pack(channel: int, seq: int, timestamp_ms: int, ulaw: bytes) -> bytes:
    """The wire bytes of one frame (sequence and timestamp wrap at 2**32)."""
    return HEADER.pack(channel, seq & UINT32, timestamp_ms & UINT32) + ulaw


def unpack(data: bytes) -> AudioFrame:
    """Decode one frame; raises BadAudioFrame for a short, empty, oversized or unknown one."""
    if len(data) <= HEADER_BYTES or len(data) > HEADER_BYTES + MAX_PAYLOAD_BYTES:
        raise BadAudioFrame(f"frame of {len(data)} bytes")
    channel, seq, timestamp_ms = HEADER.unpack_from(data)
    if channel not in (CALLER, AGENT, SUPERVISOR):
        raise BadAudioFrame(f"unknown channel {channel}")
    return AudioFrame(channel, seq, timestamp_ms, bytes(data[HEADER_BYTES:]))
