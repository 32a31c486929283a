"""Live call events and publish(): the only place that talks to the channel layer.

A call's detail stream (transcript, utterances, timeline, metrics) is published only while a
supervisor watches it: the monitor socket sends `call.watch` to the call's holder when it
subscribes and renews it every WATCH_RENEW_SECONDS; the holder publishes details until the lease
(WATCH_LEASE_SECONDS) runs out. With a hundred calls and a few supervisors this keeps the
channel layer's traffic to what someone looks at. Status snapshots always reach the wallboard.

Events leave the call's hot path through a bounded queue; a drain task sends them to the
channel-layer groups. If the layer is slow or down the call goes on: the queue drops its oldest
event (status events are full snapshots and the pages resync on a sequence gap) and says so in
the log, once per outage.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from channels.layers import get_channel_layer

from calls.records.drained_queue import DrainedQueue, stop_if_cancelled

logger = logging.getLogger(__name__)

WALLBOARD_GROUP = "monitor"
QUEUE_CAPACITY = 10_000
WATCH_MESSAGE = "call.watch"
WATCH_LEASE_SECONDS = 60.0
WATCH_RENEW_SECONDS = 20.0
WATCH_RETRY_SECONDS = 1.0  # until the holder answers the first request


def call_group(call_sid: str) -> str:
    """The detail group of one call: transcript, utterances, timeline, metrics."""
    return f"monitor.call.{call_sid}"


def control_group(call_sid: str) -> str:
    """The group that reaches the process holding the call, for supervisor actions."""
    return f"control.call.{call_sid}"


def listen_group(call_sid: str) -> str:
    """The group of a call's audio, joined by the sockets listening to it (live_audio)."""
    return f"listen.call.{call_sid}"


class CallState:
    """What the wallboard shows a call doing."""

    CONNECTING = "connecting"
    CALLER_SPEAKING = "caller_speaking"
    AGENT_SPEAKING = "agent_speaking"
    IDLE = "idle"
    ENDED = "ended"


@dataclass(frozen=True)
class MonitorEvent:
    """Base of every live event: the call and its per-call sequence number."""

    type: ClassVar[str] = "event"
    to_wallboard: ClassVar[bool] = False
    call_sid: str
    seq: int | None  # None: sent outside the holder's numbered stream (supervisor actions)

    def as_message(self) -> dict[str, Any]:
        """The JSON-ready dict a supervisor's browser receives."""
        return {"type": self.type, **asdict(self)}


@dataclass(frozen=True)
class CallStatusEvent(MonitorEvent):
    """A full snapshot of one call's status; also sent to the wallboard."""

    type: ClassVar[str] = "call.status"
    to_wallboard: ClassVar[bool] = True
    state: str = CallState.CONNECTING
    status: str = "in_progress"
    from_number: str = ""
    to_number: str = ""
    profile_name: str = ""
    started_at: str = ""
    end_reason: str = ""
    turns: int = 0
    interruptions: int = 0
    last_latency_ms: int | None = None


@dataclass(frozen=True)
class TranscriptDeltaEvent(MonitorEvent):
    """Partial text of a turn while it is spoken (text so far, not the increment)."""

    type: ClassVar[str] = "call.transcript"
    speaker: str = "agent"
    item_id: str = ""
    text: str = ""


@dataclass(frozen=True)
class UtteranceEvent(MonitorEvent):
    """A finished turn, with what the caller heard when the agent was interrupted."""

    type: ClassVar[str] = "call.utterance"
    speaker: str = "agent"
    item_id: str = ""
    text: str = ""
    heard_text: str = ""
    interrupted: bool = False
    started_ms: int | None = None
    latency_ms: int | None = None


@dataclass(frozen=True)
class TimelineEvent(MonitorEvent):
    """Something that happened: DTMF, a tool call, a reconnect, an error, a supervisor action."""

    type: ClassVar[str] = "call.event"
    kind: str = ""
    offset_ms: int | None = None
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TurnMetricsEvent(MonitorEvent):
    """Latencies of one agent turn, in milliseconds from the caller's end of speech."""

    type: ClassVar[str] = "call.metrics"
    item_id: str = ""
    first_audio_from_ai_ms: int | None = None
    first_audio_to_twilio_ms: int | None = None
    first_mark_echoed_ms: int | None = None


class EventPublisher:
    """Per-process fan-out of monitor events through a bounded queue and one drain task."""

    def __init__(self, capacity: int = QUEUE_CAPACITY):
        self.dropped = 0
        self.failures = 0
        self._pending = DrainedQueue(capacity, self._drain, "monitor-publisher")
        self._layer_down = False

    def publish(self, event: MonitorEvent, *, to_call_group: bool = True) -> None:
        """Queue an event without waiting; never blocks the caller's audio.

        to_call_group=False sends a status event to the wallboard only (nobody watches the call).
        """
        if self._pending.put((event, to_call_group)) is not None:
            self.dropped += 1
            if self.dropped in (1, 100) or self.dropped % 10_000 == 0:
                logger.warning("monitor queue full: %d events dropped so far", self.dropped)

    async def flush(self) -> None:
        """Wait until every queued event has been handed to the channel layer (tests, shutdown)."""
        await self._pending.join()

    async def _drain(self, queue: asyncio.Queue) -> None:
        """Send queued events to their groups, forever; a failing layer is logged, not fatal."""
        while True:
            event, to_call_group = await queue.get()
            try:
                await self._send(event, to_call_group)
                if self._layer_down:
                    logger.info("channel layer reachable again; monitoring resumed")
                    self._layer_down = False
            except Exception as error:  # the layer may be down; calls must go on
                self.failures += 1
                if not self._layer_down:
                    logger.error("channel layer unreachable, monitoring degraded: %s", error)
                    self._layer_down = True
            finally:
                queue.task_done()
            stop_if_cancelled()

    async def _send(self, event: MonitorEvent, to_call_group: bool) -> None:
        """Deliver one event to the call's group and, for status, to the wallboard."""
        layer = get_channel_layer()
        message = {"type": "monitor.event", "event": event.as_message()}
        if to_call_group:
            await layer.group_send(call_group(event.call_sid), message)
        if event.to_wallboard:
            await layer.group_send(WALLBOARD_GROUP, message)


publisher = EventPublisher()


def publish(event: MonitorEvent, *, to_call_group: bool = True) -> None:
    """Publish a live event for supervisors (non-blocking)."""
    publisher.publish(event, to_call_group=to_call_group)


def watch_message(seconds: float = WATCH_LEASE_SECONDS) -> dict:
    """Ask a call's holder to publish its detail stream for the next `seconds` (`call.watch`)."""
    return {"type": WATCH_MESSAGE, "seconds": seconds}


def control_message(action: str, *, actor_id: int | None, actor_name: str, text: str = "") -> dict:
    """A supervisor action for the consumer that holds the call (`call.control`)."""
    return {
        "type": "call.control",
        "action": action,
        "text": text,
        "actor_id": actor_id,
        "actor_name": actor_name,
    }


def listen_message(listener: str, seconds: float, *, actor_id=None, actor_name="") -> dict:
    """Ask a call's holder to publish its audio to `listener` for `seconds` (0: stop now)."""
    return {
        "type": "call.listen",
        "listener": listener,
        "seconds": seconds,
        "actor_id": actor_id,
        "actor_name": actor_name,
    }


def voice_message(op: str, *, actor_id, actor_name: str, reply_to: str = "", text="") -> dict:
    """A take-over request, a hand-back or a lost holder socket (`call.voice`, op says which)."""
    return {
        "type": "call.voice",
        "op": op,
        "actor_id": actor_id,
        "actor_name": actor_name,
        "reply_to": reply_to,
        "text": text,
    }


def voice_audio_message(actor_id, frames: list[bytes]) -> dict:
    """Microphone frames of the supervisor holding the call, in order (`call.voice.audio`)."""
    return {"type": "call.voice.audio", "actor_id": actor_id, "frames": frames}


def snapshot_request(reply_channel: str) -> dict:
    """Ask the process holding a call for its live state, answered to reply_channel."""
    return {"type": "call.snapshot.request", "reply_channel": reply_channel}
