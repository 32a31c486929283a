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

from calls.audio import Pcm24kToUlaw, UlawToPcm24k
from calls.call_observer import BridgeObserver, CallCounters
from calls.events import CallState
from calls.playback import PlaybackTracker
from calls.protocol import realtime as rt
from calls.protocol.twilio import build_clear, build_mark, build_media
from calls.realtime_client import RealtimeEndpoint, RealtimeUnavailable, connect
from calls.recording import StereoRecording
from calls.transcripts import Transcripts, ms_since
from prompts.snapshot import CallConfig

logger = logging.getLogger(__name__)

PENDING_AUDIO_FRAMES = 500  # 10 s of 20 ms frames kept while the AI session is not ready
GOODBYE_INSTRUCTIONS = "고객님께 짧고 정중하게 작별 인사를 해 주세요."


@dataclass(frozen=True)
class BridgeSettings:
    """What the bridge needs from the environment."""

    endpoint: RealtimeEndpoint
    audio_format: str = "pcmu"
    max_retry_count: int = 3
    human_agent_number: str = ""


def decoded_length(b64: str) -> int:
    """Bytes a base64 string decodes to, without decoding it."""
    return len(b64) * 3 // 4 - b64.count("=", -2)


class CallBridge:
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
        self.pending_audio = deque(  # bounded: the newest audio is kept
            [*self.unfinished_turn, *self.pending_audio], maxlen=PENDING_AUDIO_FRAMES
        )
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
        for task in list(self.tasks):
            if task is not current:
                task.cancel()
        if self.socket is not None:
            await self.socket.close()
        await asyncio.gather(*(t for t in self.tasks if t is not current), return_exceptions=True)
        self.set_state(CallState.ENDED)
        if self.observer is not None:
            if self.recording is not None:
                await self.observer.save_recording(self.recording)
            await self.observer.finalize(self.end_reason, self.counters, self.session)
        self.finished.set()

    def spawn(self, coroutine, name: str) -> asyncio.Task:
        """Start a task the bridge owns and cancels at teardown."""
        task = asyncio.get_running_loop().create_task(coroutine, name=f"bridge-{name}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

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
            self.pending_audio.append(payload_b64)

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

    # --- OpenAI side ---------------------------------------------------------------------

    async def handle_ai_message(self, message: str | bytes) -> None:
        """Dispatch one OpenAI event; malformed ones are counted and dropped."""
        try:
            event = rt.parse_server_event(message)
        except rt.MalformedServerEvent as error:
            self.on_bad_ai_event(str(error))
            return
        handler = self.HANDLERS.get(type(event))
        if handler is not None:
            await handler(self, event)
        else:
            logger.debug("ignored OpenAI event %s", event.type)

    def on_bad_ai_event(self, reason: str) -> None:
        """Count a malformed OpenAI frame; log each kind once per call."""
        self.counters.protocol_errors += 1
        key = f"ai:{reason}"
        self.bad_frames[key] = self.bad_frames.get(key, 0) + 1
        if self.bad_frames[key] == 1:
            logger.warning("dropped a bad OpenAI event: %s", reason)
            self.record_event("bad_ai_event", {"reason": reason})

    async def on_session_updated(self, event: rt.SessionUpdated) -> None:
        """The session runs our config: release buffered audio, then greet once."""
        wanted = self.session["audio"]["input"]["format"]["type"]
        actual = event.session.get("audio", {}).get("input", {}).get("format", {}).get("type")
        if actual != wanted:
            await self.end("ai_unavailable", {"error": f"session format {actual}, not {wanted}"})
            return
        if self.restoring:
            self.restoring = False
            await self.replay_history()
        self.ready = True
        while self.pending_audio:
            await self.socket.send(rt.audio_append(self.pending_audio.popleft()))
        if self.response_owed:
            self.response_owed = False
            await self.request_response()
        if not self.greeted:
            self.greeted = True
            self.set_state(CallState.IDLE)
            greeting = self.config.greeting.strip()
            instructions = f"다음 인사말을 그대로 말씀하세요: {greeting}" if greeting else None
            await self.send_to_ai(rt.response_create(self.next_id("greeting"), instructions))

    async def on_error(self, event: rt.ErrorEvent) -> None:
        """An error from OpenAI: fatal if it answers our session.update, else logged."""
        if event.event_id and event.event_id == self.session_event_id:
            logger.error("OpenAI refused the session: %s %s", event.code, event.message)
            await self.end("ai_unavailable", {"code": event.code, "message": event.message})
            return
        if event.code == "session_expired":
            self.record_event("ai_error", {"code": event.code, "message": event.message})
            return
        if not event.benign:
            self.counters.protocol_errors += 1
            logger.warning("OpenAI error %s: %s", event.code, event.message)
            self.record_event("ai_error", {"code": event.code, "message": event.message})

    async def on_speech_started(self, event: rt.SpeechStarted) -> None:
        """Barge-in: clear Twilio's buffer and truncate at what the caller heard."""
        started = time.monotonic()
        self.transcripts.caller_started_speaking(event.item_id)
        self.set_state(CallState.CALLER_SPEAKING)
        if self.config is None or not self.config.vad.interrupt_response:
            return
        cut = self.tracker.barge_in()
        if cut is None:
            return
        await self.send_to_twilio(build_clear(self.stream_sid))
        self.barge_in_reaction_s.append(time.monotonic() - started)
        if self.recording is not None:
            self.recording.cleared(self.stream_ms)
        self.suppressed.add(cut.item_id)
        if cut.generated_ms > 0 and cut.item_id not in self.stale_items:
            await self.send_to_ai(rt.truncate(cut.item_id, cut.audio_end_ms, self.next_id("trunc")))
        self.counters.interruptions += 1
        self.transcripts.agent_interrupted(cut.item_id)
        self.record_event(
            "barge_in",
            {"item_id": cut.item_id, "played_ms": cut.played_ms, "generated_ms": cut.generated_ms},
        )
        if self.end_after_playback and not self.active_response:
            await self.end(self.end_after_playback)

    async def on_speech_stopped(self, event: rt.SpeechStopped) -> None:
        """The caller's turn ended: start the response-latency clock."""
        self.transcripts.caller_stopped_speaking()
        self.unfinished_turn.clear()
        self.set_state(CallState.IDLE)

    async def on_response_created(self, event: rt.ResponseCreated) -> None:
        """A response started."""
        self.active_response = event.response_id

    async def on_audio_delta(self, event: rt.AudioDelta) -> None:
        """Hot path: forward agent audio to Twilio with a mark that maps to (item, bytes)."""
        item_id = event.item_id
        if item_id in self.suppressed:
            return
        turn = self.transcripts.agent_turn(item_id)
        if self.pcm_mode:
            pcm = base64.b64decode(event.delta)
            ulaw = self.outbound.convert(pcm)
            self.tracker.audio_generated(item_id, len(pcm))
            payload, sent_bytes = base64.b64encode(ulaw).decode(), len(ulaw)
            if self.recording is not None:
                self.recording.agent_chunk_sent(self.stream_ms, ulaw)
        else:
            payload, sent_bytes = event.delta, decoded_length(event.delta)
            self.tracker.audio_generated(item_id, sent_bytes)
            if self.recording is not None:
                self.recording.agent_chunk_sent(self.stream_ms, base64.b64decode(payload))
        mark = self.tracker.audio_sent(item_id, sent_bytes)
        self.frames_out += 1
        await self.send_to_twilio(build_media(self.stream_sid, payload))
        await self.send_to_twilio(build_mark(self.stream_sid, mark))
        self.transcripts.agent_audio_sent(turn)
        if self.state != CallState.AGENT_SPEAKING:
            self.set_state(CallState.AGENT_SPEAKING)

    async def on_agent_transcript_delta(self, event: rt.AgentTranscriptDelta) -> None:
        """Partial agent text."""
        self.transcripts.agent_text(event.item_id, event.delta)

    async def on_agent_transcript_done(self, event: rt.AgentTranscriptDone) -> None:
        """The agent's full text for an item."""
        self.transcripts.agent_done(event.item_id, event.transcript)

    async def on_caller_transcript_delta(self, event: rt.CallerTranscriptDelta) -> None:
        """Partial caller text."""
        self.transcripts.caller_text(event.item_id, event.delta)

    async def on_caller_transcript_done(self, event: rt.CallerTranscriptDone) -> None:
        """A finished caller turn."""
        self.transcripts.caller_done(event.item_id, event.transcript)

    async def on_caller_transcript_failed(self, event: rt.CallerTranscriptFailed) -> None:
        """Transcription failed: keep a trace in the timeline."""
        self.record_event("transcription_failed", {"item_id": event.item_id})

    async def on_function_call(self, event: rt.FunctionCallDone) -> None:
        """The agent called a tool; each call is handled once."""
        if event.call_id in self.handled_tool_calls:
            return
        self.handled_tool_calls.add(event.call_id)
        self.record_event("tool_call", {"name": event.name, "arguments": event.arguments})
        if event.name == "end_call":
            await self.send_to_ai(
                rt.function_output(event.call_id, {"ok": True}, self.next_id("fn"))
            )
            self.end_after_playback = "agent_hangup"
        elif event.name == "transfer_to_human" and self.settings.human_agent_number:
            await self.send_to_ai(
                rt.function_output(event.call_id, {"ok": True}, self.next_id("fn"))
            )
            self.end_after_playback = "transferred"
        else:
            result = {"ok": False, "error": f"{event.name} is not available"}
            await self.send_to_ai(rt.function_output(event.call_id, result, self.next_id("fn")))
            self.response_wanted = True

    async def on_response_done(self, event: rt.ResponseDone) -> None:
        """A response ended: count tokens, then goodbye, hang-up or a queued response."""
        self.active_response = ""
        usage = event.usage or {}
        self.counters.input_tokens += int(usage.get("input_tokens") or 0)
        self.counters.output_tokens += int(usage.get("output_tokens") or 0)
        spoke = any(item.get("type") == "message" for item in event.output)
        if self.end_after_playback:
            if not spoke and not self.goodbye_requested and not self.tracker.playing:
                self.goodbye_requested = True
                await self.send_to_ai(rt.response_create(self.next_id("bye"), GOODBYE_INSTRUCTIONS))
            elif not self.tracker.playing:
                await self.end(self.end_after_playback)
            return
        if self.response_wanted:
            self.response_wanted = False
            await self.send_to_ai(rt.response_create(self.next_id("resp")))

    HANDLERS = {
        rt.SessionUpdated: on_session_updated,
        rt.ErrorEvent: on_error,
        rt.SpeechStarted: on_speech_started,
        rt.SpeechStopped: on_speech_stopped,
        rt.ResponseCreated: on_response_created,
        rt.AudioDelta: on_audio_delta,
        rt.AgentTranscriptDelta: on_agent_transcript_delta,
        rt.AgentTranscriptDone: on_agent_transcript_done,
        rt.CallerTranscriptDelta: on_caller_transcript_delta,
        rt.CallerTranscriptDone: on_caller_transcript_done,
        rt.CallerTranscriptFailed: on_caller_transcript_failed,
        rt.FunctionCallDone: on_function_call,
        rt.ResponseDone: on_response_done,
    }

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
