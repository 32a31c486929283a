"""A call's audio to the sockets listening to it: the channel layer's audio chokepoint.

Audio reaches the channel layer only while a supervisor listens (ARCHITECTURE.md): the holder
of a call publishes here only under a listen lease (calls.live.supervisor_voice). Frames leave
the call's hot path through their own bounded queue, apart from live_events' queue, so a burst
of audio never pushes a status event out and a slow layer costs the call nothing: when full,
the oldest frame is dropped (a listener hears a gap; its jitter buffer carries on).

The drain sends whatever is waiting when it wakes: one layer message per call carrying that
call's frames in order (`frames`), the calls' messages concurrently. Normally that is one frame
per message; when the layer is slow (a busy Redis, a starved process) the frames that piled up
travel together instead of each paying a round trip, so the backlog clears instead of growing.
"""

from __future__ import annotations

import asyncio
import logging

from channels.layers import get_channel_layer

from calls.monitoring.live_events import listen_group
from calls.records.drained_queue import DrainedQueue, stop_if_cancelled

logger = logging.getLogger(__name__)

QUEUE_CAPACITY = 2_000  # 40 s of one call's caller frames; a few seconds of many calls
AUDIO_MESSAGE = "monitor.audio"
MAX_BATCH = 250  # frames taken off the queue per wake-up


class AudioPublisher:
    """Per-process fan-out of audio frames to `listen.call.<CallSid>` through one drain task."""

    def __init__(self, capacity: int = QUEUE_CAPACITY):
        self.dropped = 0
        self.failures = 0
        self.sent = 0
        self._pending = DrainedQueue(capacity, self._drain, "audio-publisher")
        self._layer_down = False

    def publish(self, call_sid: str, frame: bytes) -> None:
        """Queue one frame without waiting (hot path while someone listens)."""
        if self._pending.put((call_sid, frame)) is not None:
            self.dropped += 1
            if self.dropped in (1, 100) or self.dropped % 10_000 == 0:
                logger.warning("audio queue full: %d frames dropped so far", self.dropped)

    async def flush(self) -> None:
        """Wait until every queued frame has been handed to the layer (tests)."""
        await self._pending.join()

    async def _drain(self, queue: asyncio.Queue) -> None:
        """Send queued frames to their call's listeners, forever; a failing layer is logged."""
        while True:
            by_call: dict[str, list[bytes]] = {}
            call_sid, frame = await queue.get()
            by_call[call_sid] = [frame]
            taken = 1
            while taken < MAX_BATCH and not queue.empty():
                call_sid, frame = queue.get_nowait()
                by_call.setdefault(call_sid, []).append(frame)
                taken += 1
            try:
                await asyncio.gather(*(self._send(sid, frames) for sid, frames in by_call.items()))
            finally:
                for _ in range(taken):
                    queue.task_done()
            stop_if_cancelled()

    async def _send(self, call_sid: str, frames: list[bytes]) -> None:
        """One layer message with a call's frames, in order."""
        try:
            await get_channel_layer().group_send(
                listen_group(call_sid), {"type": AUDIO_MESSAGE, "frames": frames}
            )
            self.sent += len(frames)
            self._layer_down = False
        except Exception as error:  # the layer may be down; calls must go on
            self.failures += 1
            if not self._layer_down:
                logger.error("channel layer unreachable, listening degraded: %s", error)
                self._layer_down = True


audio_publisher = AudioPublisher()


def publish_audio(call_sid: str, frame: bytes) -> None:
    """Publish one audio frame to the call's listeners (non-blocking)."""
    audio_publisher.publish(call_sid, frame)


class ListenOutlet:
    """A call's way out to supervisors for its voice features (calls.live.supervisor_voice)."""

    def __init__(self, call_sid: str, layer):
        self.call_sid = call_sid
        self.layer = layer

    def audio(self, frame: bytes) -> None:
        """Publish one frame to the call's listeners (queued)."""
        audio_publisher.publish(self.call_sid, frame)

    async def reply(self, channel: str, message: dict) -> None:
        """Answer one supervisor's socket; a gone socket or a down layer is only logged."""
        try:
            await self.layer.send(channel, {**message, "call_sid": self.call_sid})
        except Exception as error:
            logger.warning("could not answer a supervisor about %s: %s", self.call_sid, error)
