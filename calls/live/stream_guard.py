"""What a media stream is trusted with: early OpenAI sessions while unverified, and its clock.

The upgrade's signature covers only the fixed stream URL, so one captured value opens any
number of sockets. Until a stream's `start` is verified it may hold an OpenAI session (opened
early to save a round trip) only while fewer than MAX_UNVERIFIED_STREAMS others do; beyond
that its session opens after `start`. The consumer closes a stream that sends no verified
`start` within STREAM_START_SECONDS.
"""

from __future__ import annotations

import time
from collections.abc import Callable

CLOCK_SLACK_MS = 2000  # Twilio's clock starts before its `start` reaches us


class EarlySessions:
    """Counts this process's unverified streams that hold an early OpenAI session."""

    def __init__(self) -> None:
        self.held = 0

    def take(self, bound: int) -> bool:
        """Take a slot for an early session; False when `bound` are already held."""
        if self.held >= bound:
            return False
        self.held += 1
        return True

    def give_back(self) -> None:
        """The stream was verified or closed: its slot is free."""
        self.held = max(0, self.held - 1)


early_sessions = EarlySessions()


class StreamClock:
    """Twilio's media timestamps, trusted no further than the call has actually run.

    A frame's timestamp may not pass the call's elapsed time (or the audio received so far,
    for simulated calls that run faster than real time) by more than CLOCK_SLACK_MS: one
    frame stamped an hour ahead must not make the recording an hour long.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.started = clock()
        self.audio_ms = 0.0

    def clamp(self, timestamp_ms: int, payload_b64: str) -> int:
        """The frame's timestamp, capped at the call's elapsed time plus the slack."""
        self.audio_ms += len(payload_b64) * 3 / 32  # base64 chars -> bytes -> ms at 8 kHz
        if timestamp_ms <= self.audio_ms + CLOCK_SLACK_MS:
            return timestamp_ms  # the usual case: no clock read on the hot path
        elapsed_ms = (self.clock() - self.started) * 1000
        return min(timestamp_ms, int(max(elapsed_ms, self.audio_ms) + CLOCK_SLACK_MS))
