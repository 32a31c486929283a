"""The agent's audio on its way to the caller: media and marks out, clear and truncate on barge-in.

Each OpenAI delta goes to Twilio as `media` followed by a `mark` that maps to (item, bytes), so
the PlaybackTracker knows what the caller heard (barge-in arithmetic lives there). On barge-in
the rest of the buffered audio is cleared at Twilio and the item's later deltas are dropped.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Awaitable, Callable

from calls.live.audio import Pcm24kToUlaw
from calls.live.playback import PlaybackTracker, Truncation
from calls.live.protocol import realtime as rt
from calls.live.protocol.twilio import build_clear, build_mark, build_media
from calls.live.recent_ids import RecentIds
from calls.live.stereo_recording import StereoRecording


def decoded_length(b64: str) -> int:
    """Bytes a base64 string decodes to, without decoding it."""
    return len(b64) * 3 // 4 - b64.count("=", -2)


class AgentAudio:
    """Forwards agent audio to Twilio and cuts it short when the caller barges in."""

    def __init__(self, audio_format: str, send_to_twilio: Callable[[str], Awaitable[None]]):
        self.send_to_twilio = send_to_twilio
        self.tracker = PlaybackTracker(rt.BYTES_PER_MS[audio_format])
        self.outbound = Pcm24kToUlaw() if audio_format == "pcm16" else None
        self.stream_sid = ""
        self.recording: StereoRecording | None = None
        self.listener = None  # SupervisorVoice while someone listens: hears what the caller hears
        self.suppressed = RecentIds()  # items cut by barge-in: their late deltas are dropped
        self.stale_items = RecentIds()  # items of a lost session: they cannot be truncated
        self.frames_out = 0
        self.barge_in_reaction_s: list[float] = []

    async def forward(self, item_id: str, delta_b64: str, stream_ms: int) -> None:
        """Hot path: one delta to Twilio as media, then a mark naming (item, bytes)."""
        if self.outbound is not None:
            pcm = base64.b64decode(delta_b64)
            ulaw = self.outbound.convert(pcm)
            self.tracker.audio_generated(item_id, len(pcm))
            payload, sent_bytes = base64.b64encode(ulaw).decode(), len(ulaw)
            if self.recording is not None:
                self.recording.agent_chunk_sent(stream_ms, ulaw)
        else:
            payload, sent_bytes = delta_b64, decoded_length(delta_b64)
            self.tracker.audio_generated(item_id, sent_bytes)
            if self.recording is not None:
                self.recording.agent_chunk_sent(stream_ms, base64.b64decode(payload))
        mark = self.tracker.audio_sent(item_id, sent_bytes)
        self.frames_out += 1
        await self.send_to_twilio(build_media(self.stream_sid, payload))
        await self.send_to_twilio(build_mark(self.stream_sid, mark))
        if self.listener is not None:
            self.listener.agent_sent(mark, payload)

    async def barge_in(self, stream_ms: int, started: float) -> Truncation | None:
        """Clear what Twilio still buffers; the cut to truncate at, or None if nothing plays."""
        cut = self.tracker.barge_in()
        if cut is None:
            return None
        await self.send_to_twilio(build_clear(self.stream_sid))
        if self.listener is not None:
            self.listener.agent_cleared()
        self.barge_in_reaction_s.append(time.monotonic() - started)
        if self.recording is not None:
            self.recording.cleared(stream_ms)
        self.suppressed.add(cut.item_id)
        return cut

    def can_truncate(self, cut: Truncation) -> bool:
        """Whether OpenAI can still truncate the item: generated audio, in the current session."""
        return cut.generated_ms > 0 and cut.item_id not in self.stale_items

    def session_lost(self) -> None:
        """The session's items are gone with it: they can no longer be truncated."""
        self.stale_items.update(self.tracker.items)

    @property
    def playing(self) -> bool:
        """Whether audio sent to Twilio has not been acknowledged yet."""
        return self.tracker.playing

    def release(self) -> None:
        """Forget unplayed marks and the recording (the call is over)."""
        self.tracker.forget()
        self.recording = None
        self.listener = None
