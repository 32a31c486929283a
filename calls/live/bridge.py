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

from calls.live import ai_events, session_setup
from calls.live.agent_audio import AgentAudio
from calls.live.audio import UlawToPcm24k
from calls.live.caller_audio import CallerAudioBuffer
from calls.live.greeting import Greeting
from calls.live.greeting_cache import GreetingCache, GreetingKey
from calls.live.observer import BridgeObserver, CallCounters
from calls.live.phase import CallPhase, Phase
from calls.live.post_call_summary import PostCallSummary
from calls.live.protocol import realtime as rt
from calls.live.realtime_client import RealtimeEndpoint
from calls.live.realtime_link import RealtimeLink
from calls.live.responses import Responses
from calls.live.stereo_recording import StereoRecording
from calls.live.supervisor_voice import SupervisorVoice
from calls.live.tool_calls import ToolCalls, ToolContext
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
    tools: ToolContext = ToolContext()
    greetings: GreetingCache | None = None


def greeting_key(config: CallConfig, audio_format: str) -> GreetingKey | None:
    """What this call's greeting audio depends on (None without a prompt version)."""
    if config.prompt_version_id is None:
        return None
    voice = config.custom_voice_id or config.voice
    return GreetingKey(config.prompt_version_id, voice, config.model, audio_format)


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
            spawn=self.spawn,
            agent_playing=lambda: self.agent_audio.playing,
            context=settings.tools,
        )
        self.transcripts = Transcripts(self.agent_audio.tracker, self.counters, self.offset_ms)
        self.greeting = Greeting(settings.greetings, self.spawn)
        self.summary = PostCallSummary(self.responses)
        self.observer: BridgeObserver | None = None
        self.config: CallConfig | None = None
        self.stream_sid = ""
        self.session: dict = {}
        self.session_event_id = ""
        self.tasks: set[asyncio.Task] = set()
        self.realtime_task: asyncio.Task | None = None
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
        self.realtime_task = self.spawn(session_setup.run_realtime(self), "realtime")

    async def begin(self, stream_sid: str, config: CallConfig, observer: BridgeObserver) -> None:
        """The stream is verified: configure the session for this call's frozen settings."""
        self.stream_sid, self.config, self.observer = stream_sid, config, observer
        self.agent_audio.stream_sid = stream_sid
        self.transcripts.observer = observer
        self.tools.offer(config.tools)
        self.recording = StereoRecording() if config.record_calls else None
        self.agent_audio.recording = self.recording
        self.started_at = time.monotonic()
        self.state = CallState.CONNECTING
        observer.state_changed(self.state, self.counters)
        self.greeting.prepare(greeting_key(config, self.settings.audio_format), config.greeting)
        await self.greeting.play_cached(self)
        if config.model and config.model != self.link.endpoint.model:
            await self.use_model(config.model)
        await self.connected.wait()
        if self.link.socket is None:
            await self.end("ai_unavailable", {"error": self.link.connect_error})
            return
        if self.phase.over:
            return
        self.session = rt.build_session(config, self.settings.audio_format)
        self.phase.to(CallPhase.CONFIGURING)
        await self.configure_session()

    async def use_model(self, model: str) -> None:
        """The call's profile chose another model than the early connection's: connect again."""
        await session_setup.use_model(self, model)

    def forget_session(self) -> None:
        """The old session is gone (see session_setup.forget_session)."""
        session_setup.forget_session(self)

    async def configure_session(self) -> None:
        """Send our session.update; its event id tells an error answering it apart."""
        self.session_event_id = self.next_id("session")
        await self.send_to_ai(rt.session_update(self.session, self.session_event_id))

    async def end(self, reason: str, data: dict | None = None) -> None:
        """Our side ends the call: store the reason first, then close Twilio's socket."""
        if self.phase.over:
            return
        self.phase.to(CallPhase.ENDING)
        self.end_reason = reason
        self.record_event("call_ended", {"reason": reason, **(data or {})})
        if self.observer is not None:
            await self.observer.end_call(reason, self.counters)
        await self.ask_for_summary()  # now: a transfer's whisper reads it while the phone rings
        await self.close_twilio()

    async def close(self, reason: str = "caller_hangup") -> None:
        """Teardown on stop or a close from either side: sockets closed, tasks cancelled."""
        if self.phase.is_(CallPhase.CLOSED):
            return
        self.phase.to(CallPhase.CLOSED)
        self.end_reason = self.end_reason or reason
        self.transcripts.finish_all()
        caller_left_at = time.monotonic()
        current = asyncio.current_task()
        try:
            await self.ask_for_summary()
            await self.report_summary(caller_left_at)
            for task in list(self.tasks):
                if task is not current:
                    task.cancel()
            await self.link.close()
            others = (t for t in self.tasks if t is not current)
            await asyncio.gather(*others, return_exceptions=True)
            await self.tools.close()
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

    def wants_summary(self) -> bool:
        """A summary is on for this call, there is a conversation, and the session still runs."""
        config = self.config
        return bool(config and config.summarize_calls and self.transcripts.history)

    async def ask_for_summary(self) -> None:
        """Ask the session for the post-call summary (once), if it can still answer."""
        if self.wants_summary() and self.link.open:
            await self.summary.ask(self.config.call_categories)

    async def report_summary(self, caller_left_at: float) -> None:
        """Hand the summary (or why there is none) to the observer, within the bound."""
        if self.observer is None or not (self.config and self.config.summarize_calls):
            return
        if not self.transcripts.history:
            text, reason = "", "no conversation"
        elif self.summary.answer is None:
            text, reason = "", "AI session closed"
        else:
            text, reason = await self.summary.result(caller_left_at)
        self.observer.summary(text, reason, self.config.call_categories)

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
            else:
                await self.tools.say_filler_if_quiet()

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
