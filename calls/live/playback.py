"""What the caller has heard: marks sent after each outbound chunk and echoed by Twilio.

Barge-in arithmetic lives here. Twilio echoes a mark once the audio sent before it has played
(or was cleared), so the bytes acknowledged by echoed marks are the best measure of what the
caller heard; elapsed time is not (Twilio's clock can run ahead of delivered audio). The
truncate point is that measure in milliseconds, clamped to what OpenAI generated for the item,
never negative, and skipped when nothing is left playing.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

TWILIO_BYTES_PER_MS = 8  # mu-law at 8 kHz: one byte per sample
KEPT_ITEMS = 32  # accounting kept for the latest items; older, fully played ones are dropped


@dataclass(slots=True)
class ItemPlayback:
    """Audio accounting for one assistant item."""

    item_id: str
    generated_bytes: int = 0  # in the OpenAI output format
    sent_bytes: int = 0  # mu-law bytes sent to Twilio
    played_bytes: int = 0  # mu-law bytes acknowledged by echoed marks
    pending_marks: int = 0
    cleared: bool = False


@dataclass(frozen=True, slots=True)
class Truncation:
    """Where to cut an interrupted item: what the caller heard of it."""

    item_id: str
    audio_end_ms: int
    played_ms: int
    generated_ms: int


class PlaybackTracker:
    """Tracks generated, sent and played audio per item, through named marks."""

    def __init__(self, openai_bytes_per_ms: int):
        self.openai_bytes_per_ms = openai_bytes_per_ms
        self.items: dict[str, ItemPlayback] = {}
        self._pending: OrderedDict[str, tuple[str, int]] = OrderedDict()
        self._discarded: set[str] = set()
        self._counter = 0

    def item(self, item_id: str) -> ItemPlayback:
        """The accounting of one item, created on first use."""
        playback = self.items.get(item_id)
        if playback is None:
            self._forget_old_items()
            playback = self.items[item_id] = ItemPlayback(item_id)
        return playback

    def _forget_old_items(self) -> None:
        """Keep memory flat in long calls: drop the oldest items with nothing left to play."""
        if len(self.items) < KEPT_ITEMS:
            return
        for item_id in [i for i, p in self.items.items() if p.pending_marks == 0]:
            del self.items[item_id]
            if len(self.items) < KEPT_ITEMS // 2:
                return

    def audio_generated(self, item_id: str, openai_bytes: int) -> None:
        """Count audio received from OpenAI for an item."""
        self.item(item_id).generated_bytes += openai_bytes

    def audio_sent(self, item_id: str, twilio_bytes: int) -> str:
        """Count audio sent to Twilio and return the name of the mark to send after it."""
        playback = self.item(item_id)
        playback.sent_bytes += twilio_bytes
        playback.pending_marks += 1
        self._counter += 1
        name = f"m{self._counter}"
        self._pending[name] = (item_id, playback.sent_bytes)
        return name

    def mark_echoed(self, name: str) -> ItemPlayback | None:
        """Credit the audio before this mark as played; None for unknown or cleared marks."""
        if name in self._discarded:
            self._discarded.discard(name)
            return None
        entry = self._pending.pop(name, None)
        if entry is None:
            return None
        # Twilio echoes marks in order: any discarded mark not echoed by now never will be.
        self._discarded.clear()
        item_id, sent_at_mark = entry
        playback = self.items[item_id]
        playback.played_bytes = max(playback.played_bytes, sent_at_mark)
        playback.pending_marks -= 1
        return playback

    def forget(self) -> None:
        """The call is over: drop the marks still waiting for Twilio's echo."""
        self._pending.clear()
        self._discarded.clear()

    @property
    def playing(self) -> bool:
        """Whether audio we sent is still buffered at Twilio (marks not yet echoed)."""
        return bool(self._pending)

    def playing_item(self) -> str | None:
        """The item whose audio the caller hears now: the one of the oldest pending mark."""
        for item_id, _ in self._pending.values():
            return item_id
        return None

    def played_ms(self, item_id: str) -> int:
        """Milliseconds of the item acknowledged as played."""
        return self.item(item_id).played_bytes // TWILIO_BYTES_PER_MS

    def generated_ms(self, item_id: str) -> int:
        """Milliseconds of the item OpenAI generated."""
        return self.item(item_id).generated_bytes // self.openai_bytes_per_ms

    def barge_in(self) -> Truncation | None:
        """Stop playback: discard pending marks and return where to truncate, if anything plays."""
        item_id = self.playing_item()
        if item_id is None:
            return None
        for name, (pending_item, _) in self._pending.items():
            self._discarded.add(name)
            playback = self.items[pending_item]
            playback.pending_marks -= 1
            playback.cleared = True
        self._pending.clear()
        played, generated = self.played_ms(item_id), self.generated_ms(item_id)
        return Truncation(item_id, max(0, min(played, generated)), played, generated)
