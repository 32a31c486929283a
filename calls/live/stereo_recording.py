"""A call's stereo recording: caller left, agent right, placed where the caller heard it. Pure.

Time is Twilio's stream clock (the `timestamp` of inbound media, in ms). Caller frames land at
their timestamps. Agent chunks play back to back from when they were sent, the way Twilio's
buffer plays them; a `clear` cuts everything not yet played at that moment, so audio the
caller never heard is not in the recording.
"""

from __future__ import annotations

import io
import wave

import numpy as np

from calls.live.audio import ulaw_decode

SAMPLES_PER_MS = 8
ULAW_SILENCE = 0xFF
MAX_SECONDS = 2 * 60 * 60  # recordings stop growing after two hours


class StereoRecording:
    """Accumulates both sides of a call as mu-law, one byte per 8 kHz sample."""

    def __init__(self, max_seconds: int = MAX_SECONDS):
        self.max_samples = max_seconds * 8000
        self.caller = bytearray()
        self.agent = bytearray()
        self.agent_cursor = 0  # sample where the next agent chunk starts playing

    def _place(self, track: bytearray, start: int, ulaw: bytes) -> int:
        """Write ulaw into track at sample start (padding with silence); returns its end."""
        start = max(0, start)
        end = min(start + len(ulaw), self.max_samples)
        if end <= start:
            return start
        if len(track) < end:
            track.extend(bytes([ULAW_SILENCE]) * (end - len(track)))
        track[start:end] = ulaw[: end - start]
        return end

    def caller_frame(self, timestamp_ms: int, ulaw: bytes) -> None:
        """A caller frame at its stream timestamp."""
        self._place(self.caller, timestamp_ms * SAMPLES_PER_MS, ulaw)

    def agent_chunk_sent(self, now_ms: int, ulaw: bytes) -> None:
        """An agent chunk sent at stream time now_ms: it plays after what is already queued."""
        start = max(now_ms * SAMPLES_PER_MS, self.agent_cursor)
        self.agent_cursor = self._place(self.agent, start, ulaw)

    def cleared(self, now_ms: int) -> None:
        """Twilio dropped its buffer at now_ms: remove agent audio scheduled after that."""
        cut = now_ms * SAMPLES_PER_MS
        if cut < len(self.agent):
            self.agent[cut:] = bytes([ULAW_SILENCE]) * (len(self.agent) - cut)
        self.agent_cursor = min(self.agent_cursor, cut)

    def to_wav(self) -> bytes:
        """Stereo 16-bit PCM WAV at 8 kHz: caller left, agent right."""
        length = max(len(self.caller), len(self.agent))
        left = ulaw_decode(bytes(self.caller.ljust(length, bytes([ULAW_SILENCE]))))
        right = ulaw_decode(bytes(self.agent.ljust(length, bytes([ULAW_SILENCE]))))
        frames = np.empty(length * 2, dtype="<i2")
        frames[0::2], frames[1::2] = left, right
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as wav:
            wav.setnchannels(2)
            wav.setsampwidth(2)
            wav.setframerate(8000)
            wav.writeframes(frames.tobytes())
        return buffer.getvalue()
