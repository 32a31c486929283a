"""The socket side of one fake Realtime connection: records traffic, sends events, faults."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from calls.simulator import realtime_errors as errors
from calls.simulator.realtime_errors import RealtimeError
from calls.simulator.realtime_ids import new_id
from calls.simulator.realtime_response import ResponseTiming
from calls.simulator.realtime_script import RealtimeScript

GOING_AWAY = 1001
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReceivedEvent:
    """A client frame as it arrived; `event` is None when the frame was not a JSON object."""

    at: float  # time.monotonic() on arrival
    event: dict | None
    raw: str | bytes


@dataclass(frozen=True)
class SentEvent:
    """A server event as sent, with the session audio clock at that moment."""

    at: float
    audio_ms: float
    event: dict


@dataclass
class RealtimeOptions:
    """Knobs shared by every session of one server; UNCONFIRMED reference points are options."""

    timing: ResponseTiming = field(default_factory=ResponseTiming)
    session_max_seconds: float = 3600
    transcription_delay_ms: int = 0
    # §2.3: the silence window of the session.created default, where the SPEC example shows
    # 200 ms. A client turn_detection that omits it gets the SDK default 500 ms (§11.4).
    default_silence_duration_ms: int = 200
    # §1.1: UNCONFIRMED which model serves a URL without ?model=.
    default_model: str = "gpt-realtime"
    # §1.5: UNCONFIRMED whether GA still sends conversation.created.
    send_conversation_created: bool = False
    # §4.1 item 7: rate_limits.updated at "start" (SDK docstring), "end" (DOC-CONV) or None.
    rate_limits: str | None = "start"
    # §4.1: UNCONFIRMED whether GA also sends the legacy conversation.item.created.
    legacy_item_created: bool = False
    # §4.1 item 5: UNCONFIRMED whether the user item's .done waits for its transcript.
    user_item_done_waits_for_transcript: bool = False
    # §4.6: code null was seen in 2024 for truncating past the end of the audio.
    truncate_past_end_code: str | None = None


class SessionConnection:
    """The socket side of a session: the single chokepoint for everything sent or received."""

    def __init__(
        self, websocket: ServerConnection, options: RealtimeOptions, script: RealtimeScript
    ) -> None:
        self.websocket = websocket
        self.options = options
        self.script = script
        self.id = new_id("sess")
        self.received: list[ReceivedEvent] = []
        self.sent: list[SentEvent] = []
        self.closed = asyncio.Event()
        self._arrivals = asyncio.Condition()
        self._claimed: set[int] = set()
        self._delay_s = 0.0
        self._tasks: set[asyncio.Task] = set()

    @property
    def audio_ms(self) -> float:
        """Return the session audio clock; subclasses own the real value."""
        return 0.0

    # --- test-facing helpers ------------------------------------------------------------------

    async def wait_for_client_event(
        self,
        match: str | Callable[[dict], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - test helpers fail fast instead of hanging
    ) -> dict:
        """Return the first recorded client event matching a type or predicate not returned yet."""
        predicate = (lambda event: event.get("type") == match) if isinstance(match, str) else match
        async with asyncio.timeout(timeout), self._arrivals:
            while True:
                for index, record in enumerate(self.received):
                    if (
                        index not in self._claimed
                        and record.event is not None
                        and predicate(record.event)
                    ):
                        self._claimed.add(index)
                        return record.event
                await self._arrivals.wait()

    async def wait_closed(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109 - as above
        """Wait until the connection has ended."""
        async with asyncio.timeout(timeout):
            await self.closed.wait()

    def delay_events(self, ms: float) -> None:
        """Add `ms` of latency before every following server event (0 removes it)."""
        self._delay_s = ms / 1000

    async def send_raw(self, text: str | bytes) -> None:
        """Send a frame exactly as given, e.g. malformed JSON."""
        await self.websocket.send(text)

    async def drop(self) -> None:
        """Cut the TCP connection with no close handshake, like a network failure."""
        self.websocket.transport.abort()

    async def expire(self) -> None:
        """End the session as its lifetime runs out: `session_expired`, then close 1001 (§4.6)."""
        error = errors.session_expired(self.options.session_max_seconds)
        await self.send_error(error, None)
        await self.websocket.close(GOING_AWAY, error.message)

    # --- sending ---------------------------------------------------------------------------------

    async def emit(self, event: dict) -> None:
        """Send one server event with a fresh `event_...` id; a closed socket is ignored."""
        body = {key: value for key, value in event.items() if key != "type"}
        stamped = {"type": event["type"], "event_id": new_id("event"), **body}
        if self._delay_s:
            await asyncio.sleep(self._delay_s)
        try:
            await self.websocket.send(json.dumps(stamped, ensure_ascii=False))
        except ConnectionClosed:
            return
        self.sent.append(SentEvent(time.monotonic(), self.audio_ms, copy.deepcopy(stamped)))
        if self.options.legacy_item_created and event["type"] == "conversation.item.added":
            await self.emit({**event, "type": "conversation.item.created"})

    async def send_error(self, error: RealtimeError, client_event_id: str | None) -> None:
        """Send an `error` event echoing the client event id that caused it."""
        await self.emit({"type": "error", "error": error.payload(client_event_id)})

    def spawn(self, coroutine: Any) -> asyncio.Task:
        """Run a background job owned by this session; it is cancelled when the socket ends."""
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # --- receiving -------------------------------------------------------------------------------

    async def serve(self) -> None:
        """Run the session until the socket closes, then stop its background jobs."""
        try:
            await self.start()
            async for frame in self.websocket:
                await self._receive(frame)
        except ConnectionClosed:
            pass
        finally:
            for task in list(self._tasks):
                task.cancel()
            self.closed.set()

    async def start(self) -> None:
        """Send the opening events; subclasses fill this in."""

    async def dispatch(self, event: dict) -> None:
        """Handle one well-formed client event; subclasses fill this in."""

    async def _receive(self, frame: str | bytes) -> None:
        """Record a frame, then parse it and dispatch it, turning mistakes into `error` events."""
        event = _parse(frame)
        self.received.append(ReceivedEvent(time.monotonic(), event, frame))
        async with self._arrivals:
            self._arrivals.notify_all()
        client_event_id = event.get("event_id") if event else None
        if not isinstance(client_event_id, str):
            client_event_id = None
        try:
            if event is None:
                raise _malformed(frame)
            if "type" not in event:
                raise RealtimeError("invalid_event", "The 'type' field is missing.")
            await self.dispatch(event)
        except RealtimeError as error:
            await self.send_error(error, client_event_id)
        except Exception:
            # A bug in the fake must not pass for a protocol rule: log it loudly and answer the
            # way the live service reports its own failures.
            logger.exception("fake realtime: failed to handle %r", frame[:200])
            failure = RealtimeError(
                None, "The server had an error processing your event.", None, "server_error"
            )
            await self.send_error(failure, client_event_id)


def _parse(frame: str | bytes) -> dict | None:
    """Return the frame as a JSON object, or None."""
    if isinstance(frame, bytes):
        return None
    try:
        event = json.loads(frame)
    except ValueError:
        return None
    return event if isinstance(event, dict) else None


def _malformed(frame: str | bytes) -> RealtimeError:
    """Describe why a frame is not an event; UNCONFIRMED codes and wording."""
    if isinstance(frame, bytes):
        return RealtimeError("invalid_json", "Binary frames are not supported; send JSON text.")
    try:
        json.loads(frame)
    except ValueError as problem:
        return RealtimeError(
            "invalid_json", f"We could not parse the JSON body of your event: {problem}"
        )
    return RealtimeError("invalid_event", "The event must be a JSON object.")
