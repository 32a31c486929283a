"""Twilio's playout buffer: audio and marks drained at 8000 bytes/s of call clock (pure)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

BYTES_PER_MS = 8  # 8 kHz mu-law, one byte per sample


@dataclass(frozen=True)
class Heard:
    """A piece of audio the caller heard, starting at `at_ms` on the call clock."""

    at_ms: float
    audio: bytes


@dataclass(frozen=True)
class MarkReached:
    """Playout reached (or a clear discarded everything before) the mark `name` at `at_ms`."""

    at_ms: float
    name: str


PlayoutEvent = Heard | MarkReached


class Playout:
    """The FIFO Twilio plays from; every method first brings playout up to `now_ms`.

    Time is kept in samples (1/8000 s) so that draining is exact integer arithmetic:
    one byte of mu-law plays for exactly one sample period.
    """

    def __init__(self) -> None:
        self._queue: deque[bytes | str] = deque()  # bytes = audio, str = mark name
        self._cursor = 0  # sample time up to which playout has been accounted for
        self._head_offset = 0  # bytes of the head audio item already played

    @property
    def buffered_ms(self) -> float:
        """Milliseconds of audio still waiting to play (as of the last call)."""
        queued = sum(len(item) for item in self._queue if isinstance(item, bytes))
        return (queued - self._head_offset) / BYTES_PER_MS

    def advance(self, now_ms: float) -> list[PlayoutEvent]:
        """Play everything due by `now_ms`; return what was heard and which marks were passed."""
        now = int(now_ms * BYTES_PER_MS)
        events: list[PlayoutEvent] = []
        while self._queue and self._cursor < now:
            head = self._queue[0]
            if isinstance(head, str):
                events.append(MarkReached(self._cursor / BYTES_PER_MS, self._queue.popleft()))
                continue
            take = min(len(head) - self._head_offset, now - self._cursor)
            piece = head[self._head_offset : self._head_offset + take]
            events.append(Heard(self._cursor / BYTES_PER_MS, piece))
            self._cursor += take
            self._head_offset += take
            if self._head_offset == len(head):
                self._queue.popleft()
                self._head_offset = 0
        events.extend(self._pass_leading_marks())
        # An idle line has nothing to play; the next audio starts whenever it arrives.
        self._cursor = max(self._cursor, now)
        return events

    def _pass_leading_marks(self) -> list[PlayoutEvent]:
        passed: list[PlayoutEvent] = []
        while self._queue and isinstance(self._queue[0], str):
            passed.append(MarkReached(self._cursor / BYTES_PER_MS, self._queue.popleft()))
        return passed

    def enqueue_audio(self, audio: bytes, now_ms: float) -> list[PlayoutEvent]:
        """Append decoded audio at the FIFO tail."""
        events = self.advance(now_ms)
        if audio:
            self._queue.append(audio)
        return events

    def enqueue_mark(self, name: str, now_ms: float) -> list[PlayoutEvent]:
        """Append a mark at the tail; with nothing buffered it is reached immediately."""
        events = self.advance(now_ms)
        self._queue.append(name)
        return events + self._pass_leading_marks()

    def clear(self, now_ms: float) -> list[PlayoutEvent]:
        """Drop all buffered audio at `now_ms` and pass every pending mark, in order."""
        events = self.advance(now_ms)
        at = self._cursor / BYTES_PER_MS
        events += [MarkReached(at, item) for item in self._queue if isinstance(item, str)]
        self._queue.clear()
        self._head_offset = 0
        return events
