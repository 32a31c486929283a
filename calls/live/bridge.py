"""CallBridge: one call's state machine between Twilio's media stream and OpenAI Realtime.

It owns the Realtime socket and its reader task, the playback tracker and the turn metrics.
No Django here: persistence and monitoring go through a BridgeObserver whose methods return at
once. On the hot path (Twilio frame in -> append out, delta in -> media + mark out) the only
awaits are the two sockets' sends.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import logging
import time
import weakref
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ClassVar

from websockets.exceptions import ConnectionClosed

from calls.live.ai_events import OpenAIEvents
from calls.live.audio import Pcm24kToUlaw, UlawToPcm24k
from calls.live.observer import BridgeObserver, CallCounters
from calls.live.playback import PlaybackTracker
from calls.live.protocol import realtime as rt
from calls.live.realtime_client import RealtimeEndpoint, RealtimeUnavailable, connect
from calls.live.stereo_recording import StereoRecording
from calls.live.transcripts import Transcripts, ms_since
from calls.monitoring.live_events import CallState
from prompts.snapshot import CallConfig

logger = logging.getLogger(__name__)

PENDING_AUDIO_FRAMES = 500  # 10 s of 20 ms frames kept while the AI session is not ready


@dataclass(frozen=True)
class BridgeSettings:
    """What the bridge needs from the environment."""

    endpoint: RealtimeEndpoint
    audio_format: str = "pcmu"
    max_retry_count: int = 3
    human_agent_number: str = ""


class CallBridge(OpenAIEvents):
    """Bridges one Twilio media stream to one OpenAI Realtime session."""

    live: ClassVar[weakref.WeakSet[CallBridge]] = weakref.WeakSet()  # for /metrics

    def __init__(
        self,
        settings: BridgeSettings,
        send_to_twilio: Callable[[str], Awaitable[None]],
        close_twilio: Callable[[], Awaitable[None]],
    ):
        self.settings = settings
        self.send_to_twilio = send_to_twilio
        self.close_twilio = close_twilio
        self.openai_bytes_per_ms = rt.BYTES_PER_MS[settings.audio_format]
        self.pcm_mode = settings.audio_format == "pcm16"
        self.inbound = UlawToPcm24k() if self.pcm_mode else None
        self.outbound = Pcm24kToUlaw() if self.pcm_mode else None
        self.tracker = PlaybackTracker(self.openai_bytes_per_ms)
        self.counters = CallCounters()
        self.observer: BridgeObserver | None = None
        self.config: CallConfig | None = None
        self.stream_sid = ""
        self.socket = None
        self.session: dict = {}
        self.ready = False
        self.pending_audio: deque[str] = deque(maxlen=PENDING_AUDIO_FRAMES)
        self.unfinished_turn: deque[str] = deque(maxlen=PENDING_AUDIO_FRAMES)
        self.tasks: set[asyncio.Task] = set()
        self.connected = asyncio.Event()
        self.finished = asyncio.Event()  # set when teardown is complete
        self.connect_error: str = ""
        self.started_at = time.monotonic()
        self.ids = itertools.count(1)
        self.session_event_id = ""
        self.greeted = False
        self.active_response = ""
        self.response_wanted = False
        self.suppressed: set[str] = set()
        self.end_after_playback = ""
        self.goodbye_requested = False
        self.handled_tool_calls: set[str] = set()
        self.end_reason = ""
        self.ending = False
        self.closed = False
        self.state = CallState.CONNECTING
        self.state_published = False
        self.barge_in_reaction_s: list[float] = []
        self.bad_frames: dict[str, int] = {}
        self.connected_ok = False
        self.restoring = False
        self.response_owed = False
        self.dropped_at = 0.0
        self.stale_items: set[str] = set()
        self.transcripts = Transcripts(self.tracker, self.counters, self.offset_ms)
        self.recording: StereoRecording | None = None
        self.stream_ms = 0  # Twilio's stream clock: the latest inbound media timestamp
        self.frames_in = 0
        self.frames_dropped = 0  # caller audio beyond the bound kept while OpenAI is not ready
        self.frames_out = 0
        self.reconnects = 0
        CallBridge.live.add(self)

    # --- lifecycle -------------------------------------------------------------------------

    def open_realtime(self) -> None:
        """Start connecting to OpenAI now, before Twilio's start message, to save a round trip."""
        self.spawn(self.run_realtime(), "realtime")

    async def begin(self, stream_sid: str, config: CallConfig, observer: BridgeObserver) -> None:
        """The stream is verified: configure the session for this call's frozen settings."""
        self.stream_sid, self.config, self.observer = stream_sid, config, observer
        self.transcripts.observer = observer
        self.recording = StereoRecording() if config.record_calls else None
        self.started_at = time.monotonic()
        self.set_state(CallState.CONNECTING)
        await self.connected.wait()
        if not self.connected_ok:
            await self.end("ai_unavailable", {"error": self.connect_error})
            return
        self.session = rt.build_session(config, self.settings.audio_format)
        self.session_event_id = self.next_id("session")
        await self.send_to_ai(rt.session_update(self.session, self.session_event_id))

    async def run_realtime(self) -> None:
        """Keep one Realtime session for the call: connect, read, reconnect when it drops.

        Reconnect policy: up to MAX_RETRY_COUNT attempts, the first at once and then with
        doubling backoff (0.25 s ... 2 s), so a dropped socket usually costs the caller only
        the reconnect round trip. Caller audio that arrives meanwhile is kept (bounded) and sent
        once the new session runs our config; the conversation so far is restored as items.
        When every attempt fails the call ends with ai_unavailable (apology, then transfer).
        """
        self.connected_ok = await self.connect_with_retries(self.settings.max_retry_count + 1)
        self.connected.set()
        if not self.connected_ok:
            return  # begin() ends the call once it knows which call this is
        while True:
            await self.read_session()
            if self.ending or self.closed:
                return
            self.dropped_at = time.monotonic()
            logger.warning("OpenAI session dropped (close %s); reconnecting", self.close_code())
            self.forget_session()
            if not await self.connect_with_retries(max(1, self.settings.max_retry_count)):
                await self.end(
                    "ai_unavailable", {"error": f"reconnect failed: {self.connect_error}"}
                )
                return
            self.reconnects += 1
            await self.restore_session()

    async def connect_with_retries(self, attempts: int) -> bool:
        """Open a Realtime socket, retrying with backoff; False when every attempt failed."""
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(min(0.25 * 2 ** (attempt - 1), 2.0))
            try:
                self.socket = await connect(self.settings.endpoint)
                self.connect_error = ""
                return True
            except RealtimeUnavailable as error:
                self.connect_error = str(error)
                logger.warning(
                    "OpenAI connect attempt %d/%d failed: %s", attempt + 1, attempts, error
                )
        return False

    async def read_session(self) -> None:
        """Handle OpenAI's events until the socket closes, whoever closed it."""
        try:
            async for message in self.socket:
                await self.handle_ai_message(message)
        except ConnectionClosed:
            pass

    def close_code(self) -> int | None:
        """How the last Realtime socket closed."""
        return getattr(self.socket, "close_code", None)

    def forget_session(self) -> None:
        """The old session is gone: its items can no longer be truncated, its response is lost.

        Audio sent since the caller's last finished turn may never have reached OpenAI (a dead
        socket accepts writes until the reader notices), and the new session has heard none
        of it: it is replayed first, so nothing the caller said in this turn is lost.
        """
        self.ready = False
        kept = [*self.unfinished_turn, *self.pending_audio]
        self.count_dropped(len(kept) - PENDING_AUDIO_FRAMES)
        self.pending_audio = deque(kept, maxlen=PENDING_AUDIO_FRAMES)  # the newest audio is kept
        self.unfinished_turn.clear()
        self.stale_items.update(self.tracker.items)
        owed = self.active_response or self.transcripts.speech_stopped_at is not None
        self.response_owed = bool(owed)
        self.active_response = ""
        self.transcripts.finish_all()

    async def restore_session(self) -> None:
        """Configure the new session like the old one; history follows on session.updated."""
        if self.config is None:
            return  # the stream has not started yet: begin() configures the session
        self.restoring = True
        self.session_event_id = self.next_id("session")
        await self.send_to_ai(rt.session_update(self.session, self.session_event_id))

    async def replay_history(self) -> None:
        """Give the new session the conversation so far, then the audio kept during the gap."""
        for role, text in self.transcripts.history:
            await self.send_to_ai(rt.history_item(role, text, self.next_id("history")))
        gap_ms = ms_since(self.dropped_at)
        self.record_event(
            "reconnect",
            {
                "attempt": self.reconnects,
                "gap_ms": gap_ms,
                "buffered_frames": len(self.pending_audio),
                "dropped_frames": self.frames_dropped,
            },
        )
        logger.info("OpenAI session restored after %d ms", gap_ms)

    async def end(self, reason: str, data: dict | None = None) -> None:
        """Our side ends the call: store the reason first, then close Twilio's socket."""
        if self.ending or self.closed:
            return
        self.ending = True
        self.end_reason = reason
        self.record_event("call_ended", {"reason": reason, **(data or {})})
        if self.observer is not None:
            await self.observer.end_call(reason, self.counters)
        await self.close_twilio()

    async def close(self, reason: str = "caller_hangup") -> None:
        """Teardown on stop or a close from either side: sockets closed, tasks cancelled."""
        if self.closed:
            return
        self.closed = True
        self.end_reason = self.end_reason or reason
        self.transcripts.finish_all()
        current = asyncio.current_task()
        try:
            for task in list(self.tasks):
                if task is not current:
                    task.cancel()
            if self.socket is not None:
                await self.socket.close()
            others = (t for t in self.tasks if t is not current)
            await asyncio.gather(*others, return_exceptions=True)
            if self.observer is not None and self.recording is not None:
                await self.observer.save_recording(self.recording)
        finally:
            # Even when the server cuts teardown short (daphne cancels an application that is
            # slow to finish), the call is finalized: finalize() only queues, it never waits.
            self.state = CallState.ENDED  # finalize() publishes the ended status, with its reason
            if self.observer is not None:
                await self.observer.finalize(self.end_reason, self.counters, self.session)
            self.release()
            self.finished.set()

    def release(self) -> None:
        """Drop what only a live call needs: buffered caller audio, unplayed marks, the socket.

        A finished bridge can stay reachable until the garbage collector's next full pass
        (tasks and callbacks form reference cycles). Without this its buffers stayed with it,
        tens of megabytes across the calls finished in between, and every pass left the
        allocator's high-water mark a little higher.
        """
        self.ready = False  # a frame that still arrives is kept (bounded), not sent
        self.pending_audio.clear()
        self.unfinished_turn.clear()
        self.tracker.forget()
        self.recording = None
        if all(task.done() for task in self.tasks):
            self.socket = None  # with its queue of unread OpenAI events

    def spawn(self, coroutine, name: str) -> asyncio.Task:
        """Start a task the bridge owns and cancels at teardown."""
        task = asyncio.get_running_loop().create_task(coroutine, name=f"bridge-{name}")
        self.tasks.add(task)
        task.add_done_callback(self.task_done)
        return task

    def task_done(self, task: asyncio.Task) -> None:
        """A bridge task ended: a crash is logged and ends the call (apology), never dead air."""
        self.tasks.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        error = task.exception()
        logger.error("%s failed", task.get_name(), exc_info=error)
        if not (self.ending or self.closed):
            self.spawn(self.end("error", {"error": f"{type(error).__name__}: {error}"}), "end")

    # --- Twilio side ---------------------------------------------------------------------

    async def on_caller_audio(self, payload_b64: str, timestamp_ms: int = 0) -> None:
        """Hot path: pass a 20 ms caller frame to OpenAI (kept while the session is not ready)."""
        self.frames_in += 1
        self.stream_ms = timestamp_ms
        if self.recording is not None:
            self.recording.caller_frame(timestamp_ms, base64.b64decode(payload_b64))
        if self.pcm_mode:
            payload_b64 = base64.b64encode(
                self.inbound.convert(base64.b64decode(payload_b64))
            ).decode()
        if self.ready:
            self.unfinished_turn.append(payload_b64)
            try:
                await self.socket.send(rt.audio_append(payload_b64))
            except ConnectionClosed:
                self.ready = False  # the reader restores the session, replaying this turn
        else:
            if len(self.pending_audio) == PENDING_AUDIO_FRAMES:
                self.count_dropped(1)  # the oldest frame makes room
            self.pending_audio.append(payload_b64)

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

    async def on_mark(self, name: str) -> None:
        """Twilio played (or cleared) the audio before this mark."""
        playback = self.tracker.mark_echoed(name)
        if playback is None:
            return
        self.transcripts.agent_audio_played(playback)
        if not self.tracker.playing:
            self.set_state(CallState.IDLE)
            if self.end_after_playback and not self.active_response:
                await self.end(self.end_after_playback)

    async def on_dtmf(self, digit: str) -> None:
        """A key press: the transfer digit goes to a human, others reach the agent as text."""
        self.record_event("dtmf", {"digit": digit})
        if self.config and self.config.transfer_digit and digit == self.config.transfer_digit:
            await self.transfer("dtmf")
            return
        await self.send_to_ai(
            rt.text_item("user", f"{digit}번을 누르셨습니다.", self.next_id("dtmf"))
        )
        await self.request_response()

    def on_bad_frame(self, reason: str) -> None:
        """Count a malformed Twilio frame; log each kind once per call."""
        self.counters.protocol_errors += 1
        count = self.bad_frames[reason] = self.bad_frames.get(reason, 0) + 1
        if count == 1:
            logger.warning("dropped a bad Twilio frame: %s", reason)
            self.record_event("bad_frame", {"reason": reason})

    async def on_control(self, action: str, text: str, actor_name: str) -> None:
        """A supervisor action from the control group."""
        if action == "hangup":
            await self.end("supervisor_hangup", {"by": actor_name})
        elif action == "transfer":
            await self.transfer("supervisor")
        elif action == "coach" and text.strip():
            await self.send_to_ai(rt.text_item("system", text.strip(), self.next_id("coach")))

    async def transfer(self, source: str) -> None:
        """Hand the caller to a human through connect-action's <Dial>."""
        await self.end("transferred", {"source": source})

    # --- helpers -------------------------------------------------------------------------

    async def request_response(self) -> None:
        """Ask for a response now, or right after the active one ends."""
        if self.active_response:
            self.response_wanted = True
        else:
            await self.send_to_ai(rt.response_create(self.next_id("resp")))

    async def send_to_ai(self, text: str) -> None:
        """Send a client event; a closed socket is handled by the reader's end of call."""
        if self.socket is None:
            return
        try:
            await self.socket.send(text)
        except ConnectionClosed:
            logger.info("OpenAI socket closed while sending")

    def set_state(self, state: str) -> None:
        """Change the live state and tell the observer (only real changes are published)."""
        if state == self.state and self.state_published:
            return
        self.state = state
        if self.observer is not None:
            self.state_published = True
            self.observer.state_changed(state, self.counters)

    def record_event(self, kind: str, data: dict) -> None:
        """Add an entry to the call's timeline."""
        if self.observer is not None:
            self.observer.event(kind, data, self.offset_ms())

    def next_id(self, prefix: str) -> str:
        """A unique client event id for this call."""
        return f"evt_{prefix}_{next(self.ids)}"

    def offset_ms(self) -> int:
        """Milliseconds since the stream started."""
        return ms_since(self.started_at)
