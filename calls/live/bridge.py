"""CallBridge: one call between Twilio's media stream and OpenAI Realtime.

The bridge holds the call's phase (calls.live.phase) and coordinates small collaborators, each
with its own state: the Realtime link (socket, retries), the caller audio buffer, the agent's
audio (playback and barge-in), turn-taking with the model (responses), the tool calls and the
transcripts (turn metrics). No Django here: persistence and monitoring go through a
BridgeObserver whose methods return at once. On the hot path (Twilio frame in -> append out,
delta in -> media + mark out) the only awaits are the two sockets' sends.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ClassVar

from websockets.exceptions import ConnectionClosed

from calls.live import ai_events
from calls.live.agent_audio import AgentAudio
from calls.live.audio import UlawToPcm24k
from calls.live.caller_audio import CallerAudioBuffer
from calls.live.observer import BridgeObserver, CallCounters
from calls.live.phase import CallPhase, Phase
from calls.live.protocol import realtime as rt
from calls.live.realtime_client import RealtimeEndpoint
from calls.live.realtime_link import RealtimeLink
from calls.live.responses import Responses
from calls.live.stereo_recording import StereoRecording
from calls.live.supervisor_voice import SupervisorVoice
from calls.live.tool_calls import ToolCalls
from calls.live.transcripts import Transcripts, ms_since
from calls.monitoring.live_events import CallState
from prompts.snapshot import CallConfig

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BridgeSettings:
    """What the bridge needs from the environment."""

    endpoint: RealtimeEndpoint
    audio_format: str = "pcmu"
    max_retry_count: int = 3
    human_agent_number: str = ""


class CallBridge:
    """Bridges one Twilio media stream to one OpenAI Realtime session."""

    live: ClassVar[weakref.WeakSet[CallBridge]] = weakref.WeakSet()  # for /metrics
    HANDLERS: ClassVar[dict] = ai_events.HANDLERS  # OpenAI event type -> handler(bridge, event)

    def __init__(
        self,
        settings: BridgeSettings,
        send_to_twilio: Callable[[str], Awaitable[None]],
        close_twilio: Callable[[], Awaitable[None]],
    ):
        self.settings = settings
        self.send_to_twilio = send_to_twilio
        self.close_twilio = close_twilio
        self.phase = Phase()
        self.state = CallState.CONNECTING  # what supervisors see (who is speaking)
        self.link = RealtimeLink(settings.endpoint)
        self.caller_audio = CallerAudioBuffer()
        self.agent_audio = AgentAudio(settings.audio_format, send_to_twilio)
        self.inbound = UlawToPcm24k() if settings.audio_format == "pcm16" else None
        self.counters = CallCounters()
        self.ids = itertools.count(1)
        self.responses = Responses(self.send_to_ai, self.next_id)
        self.tools = ToolCalls(
            self.send_to_ai,
            self.next_id,
            self.record_event,
            self.responses,
            settings.human_agent_number,
        )
        self.transcripts = Transcripts(self.agent_audio.tracker, self.counters, self.offset_ms)
        self.observer: BridgeObserver | None = None
        self.config: CallConfig | None = None
        self.stream_sid = ""
        self.session: dict = {}
        self.session_event_id = ""
        self.tasks: set[asyncio.Task] = set()
        self.connected = asyncio.Event()  # the first connect attempt(s) finished
        self.finished = asyncio.Event()  # set when teardown is complete
        self.started_at = time.monotonic()
        self.end_reason = ""
        self.bad_frames: dict[str, int] = {}
        self.recording: StereoRecording | None = None
        self.stream_ms = 0  # Twilio's stream clock: the latest inbound media timestamp
        self.frames_in = 0
        self.dropped_at = 0.0
        self.reconnects = 0
        self.idle_timeouts = 0
        self.voice = SupervisorVoice(self)  # listeners, take-over and hand-back
        CallBridge.live.add(self)

    @property
    def ready(self) -> bool:
        """Whether caller audio goes straight to OpenAI (the session is live)."""
        return self.phase.current is CallPhase.LIVE

    @property
    def closed(self) -> bool:
        """Whether the call has been torn down."""
        return self.phase.current is CallPhase.CLOSED

    # --- lifecycle -------------------------------------------------------------------------

    def open_realtime(self) -> None:
        """Start connecting to OpenAI now, before Twilio's start message, to save a round trip."""
        self.spawn(self.run_realtime(), "realtime")

    async def begin(self, stream_sid: str, config: CallConfig, observer: BridgeObserver) -> None:
        """The stream is verified: configure the session for this call's frozen settings."""
        self.stream_sid, self.config, self.observer = stream_sid, config, observer
        self.agent_audio.stream_sid = stream_sid
        self.transcripts.observer = observer
        self.recording = StereoRecording() if config.record_calls else None
        self.agent_audio.recording = self.recording
        self.started_at = time.monotonic()
        self.state = CallState.CONNECTING
        observer.state_changed(self.state, self.counters)
        await self.connected.wait()
        if self.link.socket is None:
            await self.end("ai_unavailable", {"error": self.link.connect_error})
            return
        if self.phase.over:
            return
        self.session = rt.build_session(config, self.settings.audio_format)
        self.phase.to(CallPhase.CONFIGURING)
        await self.configure_session()

    async def configure_session(self) -> None:
        """Send our session.update; its event id tells an error answering it apart."""
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
        connected = await self.link.connect_with_retries(self.settings.max_retry_count + 1)
        self.connected.set()
        if not connected:
            return  # begin() ends the call once it knows which call this is
        while True:
            await self.link.read(self.handle_ai_message)
            if self.phase.over:
                return
            self.dropped_at = time.monotonic()
            logger.warning(
                "OpenAI session dropped (close %s); reconnecting", self.link.close_code()
            )
            self.forget_session()
            if not await self.link.connect_with_retries(max(1, self.settings.max_retry_count)):
                error = f"reconnect failed: {self.link.connect_error}"
                await self.end("ai_unavailable", {"error": error})
                return
            self.reconnects += 1
            await self.restore_session()

    def forget_session(self) -> None:
        """The old session is gone: its items can no longer be truncated, its response is lost.

        Audio sent since the caller's last finished turn may never have reached OpenAI, and the
        new session has heard none of it: it is replayed first (see CallerAudioBuffer).
        """
        if not self.phase.over:
            self.phase.to(CallPhase.RESTORING)
        self.caller_audio.session_lost()
        self.agent_audio.session_lost()
        self.responses.session_lost(self.transcripts.speech_stopped_at is not None)
        self.transcripts.finish_all()

    async def restore_session(self) -> None:
        """Configure the new session like the old one; history follows on session.updated."""
        if self.config is None or self.phase.over:
            return  # before `start`, begin() configures the session
        await self.configure_session()

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
                "buffered_frames": len(self.caller_audio.pending),
                "dropped_frames": self.caller_audio.frames_dropped,
            },
        )
        logger.info("OpenAI session restored after %d ms", gap_ms)

    async def end(self, reason: str, data: dict | None = None) -> None:
        """Our side ends the call: store the reason first, then close Twilio's socket."""
        if self.phase.over:
            return
        self.phase.to(CallPhase.ENDING)
        self.end_reason = reason
        self.record_event("call_ended", {"reason": reason, **(data or {})})
        if self.observer is not None:
            await self.observer.end_call(reason, self.counters)
        await self.close_twilio()

    async def close(self, reason: str = "caller_hangup") -> None:
        """Teardown on stop or a close from either side: sockets closed, tasks cancelled."""
        if self.phase.is_(CallPhase.CLOSED):
            return
        self.phase.to(CallPhase.CLOSED)
        self.end_reason = self.end_reason or reason
        self.transcripts.finish_all()
        current = asyncio.current_task()
        try:
            for task in list(self.tasks):
                if task is not current:
                    task.cancel()
            await self.link.close()
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
        self.caller_audio.clear()
        self.agent_audio.release()
        self.recording = None
        if all(task.done() for task in self.tasks):
            self.link.socket = None  # with its queue of unread OpenAI events

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
        if not self.phase.over:
            self.spawn(self.end("error", {"error": f"{type(error).__name__}: {error}"}), "end")

    # --- Twilio side ---------------------------------------------------------------------

    async def on_caller_audio(self, payload_b64: str, timestamp_ms: int = 0) -> None:
        """Hot path: pass a 20 ms caller frame to OpenAI (kept while the session is not live)."""
        self.frames_in += 1
        self.stream_ms = timestamp_ms
        if self.voice.listening:
            self.voice.caller_frame(payload_b64, timestamp_ms)
        if self.recording is not None:
            self.recording.caller_frame(timestamp_ms, base64.b64decode(payload_b64))
        if self.inbound is not None:
            payload_b64 = base64.b64encode(
                self.inbound.convert(base64.b64decode(payload_b64))
            ).decode()
        if self.phase.current is CallPhase.LIVE:
            self.caller_audio.unfinished_turn.append(payload_b64)
            try:
                await self.link.socket.send(rt.audio_append(payload_b64))
            except ConnectionClosed:
                self.phase.to(CallPhase.RESTORING)  # the reader restores it, replaying this turn
        else:
            self.caller_audio.keep(payload_b64)

    async def on_mark(self, name: str) -> None:
        """Twilio played (or cleared) the audio before this mark."""
        if self.voice.listening:
            self.voice.agent_played(name)
        playback = self.agent_audio.tracker.mark_echoed(name)
        if playback is None:
            return
        self.transcripts.agent_audio_played(playback)
        if not self.agent_audio.playing:
            self.set_state(CallState.IDLE)
            if self.responses.end_after_playback and not self.responses.active:
                await self.end(self.responses.end_after_playback)

    async def on_dtmf(self, digit: str) -> None:
        """A key press: the transfer digit goes to a human, others reach the agent as text."""
        self.record_event("dtmf", {"digit": digit})
        if self.config and self.config.transfer_digit and digit == self.config.transfer_digit:
            await self.transfer("dtmf")
            return
        await self.send_to_ai(
            rt.text_item("user", f"{digit}번을 누르셨습니다.", self.next_id("dtmf"))
        )
        await self.responses.request()

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

    async def handle_ai_message(self, message: str | bytes) -> None:
        """One OpenAI event, dispatched by type (see calls.live.ai_events)."""
        await ai_events.handle_ai_message(self, message)

    async def send_to_ai(self, text: str) -> None:
        """Send a client event; a closed socket is handled by the reader's end of call."""
        await self.link.send(text)

    def set_state(self, state: str) -> None:
        """Change the live state and tell the observer (only real changes are published)."""
        if state == self.state:
            return
        self.state = state
        if self.observer is not None:
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
