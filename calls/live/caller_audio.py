"""Caller audio the AI has not safely received: kept while the session is not live, replayed after.

While the Realtime session is connecting, being configured or restored, caller frames wait here
(bounded: the newest PENDING_AUDIO_FRAMES are kept). Frames sent since the caller's last finished
turn are remembered too: a dead socket accepts writes until the reader notices, so after a drop
they are replayed first and nothing the caller said in this turn is lost.
"""

from __future__ import annotations

import logging
from collections import deque

logger = logging.getLogger("calls.live.bridge")

PENDING_AUDIO_FRAMES = 500  # 10 s of 20 ms frames kept while the AI session is not ready


class CallerAudioBuffer:
    """The bounded backlog of caller frames and the frames of the unfinished turn."""

    __slots__ = ("frames_dropped", "pending", "unfinished_turn")

    def __init__(self) -> None:
        self.pending: deque[str] = deque(maxlen=PENDING_AUDIO_FRAMES)
        self.unfinished_turn: deque[str] = deque(maxlen=PENDING_AUDIO_FRAMES)
        self.frames_dropped = 0  # caller audio beyond the bound kept while OpenAI is not ready

    def keep(self, frame: str) -> None:
        """Hold a frame until the session is live; the oldest makes room past the bound."""
        if len(self.pending) == PENDING_AUDIO_FRAMES:
            self.count_dropped(1)
        self.pending.append(frame)

    def session_lost(self) -> None:
        """The session is gone: the unfinished turn goes back in front of what waits."""
        kept = [*self.unfinished_turn, *self.pending]
        self.count_dropped(len(kept) - PENDING_AUDIO_FRAMES)
        self.pending = deque(kept, maxlen=PENDING_AUDIO_FRAMES)  # the newest audio is kept
        self.unfinished_turn.clear()

    def count_dropped(self, frames: int) -> None:
        """Caller audio the bound pushed out: counted, and logged at the first loss of a call."""
        if frames <= 0:
            return
        if self.frames_dropped == 0:
            logger.error(
                "OpenAI not ready for over %d s: dropping the oldest caller audio",
                PENDING_AUDIO_FRAMES * 20 // 1000,
            )
        self.frames_dropped += frames

    def clear(self) -> None:
        """Drop everything held (the call is over)."""
        self.pending.clear()
        self.unfinished_turn.clear()
