"""The input audio buffer and the session audio clock, with VAD decisions placed on that clock."""

from __future__ import annotations

from collections.abc import Iterator

from calls.simulator import realtime_audio as audio
from calls.simulator.realtime_vad import EnergyVad, VadEvent


class InputAudio:
    """Counts appended audio (8 or 48 bytes/ms), buffers it until commit and runs VAD over it.

    Pure bookkeeping: no I/O. The session iterates `append()` and sends an event per decision;
    while it does, `audio_ms` sits at the position where the decision was made.
    """

    def __init__(self, audio_format: dict, turn_detection: dict | None) -> None:
        self.audio_ms = 0.0
        self.buffer = bytearray()
        self.buffer_ms = 0.0
        self.format = audio_format
        self.turn_detection = turn_detection
        self.vad = self._new_vad()
        self.committed_segment = b""  # what the last speech_stopped committed

    def configure(self, audio_format: dict, turn_detection: dict | None) -> None:
        """Apply new session settings; a changed format or VAD restarts detection here."""
        if audio_format == self.format and turn_detection == self.turn_detection:
            return
        self.format, self.turn_detection = audio_format, turn_detection
        self.vad = self._new_vad()

    @property
    def in_speech(self) -> bool:
        """Tell whether VAD currently hears the caller speaking."""
        return bool(self.vad and self.vad.in_speech)

    def append(self, raw: bytes) -> Iterator[VadEvent]:
        """Add decoded wire bytes; yield VAD decisions in order (the clock is at each one)."""
        per_ms = audio.bytes_per_ms(self.format)
        start_ms = self.audio_ms
        end_ms = start_ms + len(raw) / per_ms
        self.buffer.extend(raw)
        self.buffer_ms += len(raw) / per_ms
        if self.vad is not None:
            for decision in self.vad.feed(audio.decode(raw, self.format)):
                self.audio_ms = min(end_ms, max(self.audio_ms, decision.decided_at_ms))
                if decision.kind == "speech_stopped":
                    self._cut_segment(raw, start_ms, per_ms)
                yield decision
        self.audio_ms = end_ms

    def take(self) -> tuple[bytes, float]:
        """Empty the buffer (for a manual or idle commit) and return its bytes and duration."""
        data, ms = bytes(self.buffer), self.buffer_ms
        self.buffer.clear()
        self.buffer_ms = 0.0
        return data, ms

    def clear(self) -> None:
        """Drop buffered audio and any speech in progress (`input_audio_buffer.clear`)."""
        self.take()
        if self.vad is not None:
            self.vad.reset(round(self.audio_ms))

    def _cut_segment(self, raw: bytes, start_ms: float, per_ms: int) -> None:
        """Commit the buffer up to the current position; later bytes of `raw` stay buffered."""
        keep = len(raw) - max(0, min(len(raw), round((self.audio_ms - start_ms) * per_ms)))
        segment_end = len(self.buffer) - keep
        self.committed_segment = bytes(self.buffer[:segment_end])
        del self.buffer[:segment_end]
        self.buffer_ms = len(self.buffer) / per_ms

    def _new_vad(self) -> EnergyVad | None:
        """Create a VAD for the current settings, starting at the current clock."""
        if self.turn_detection is None:
            return None
        rate = audio.sample_rate(self.format)
        return EnergyVad(self.turn_detection, rate, round(self.audio_ms))
