"""What the bridge does with each OpenAI Realtime event (a part of CallBridge, split by job).

CallBridge inherits these handlers; they share its state (tracker, transcripts, counters,
sockets). They live apart so the bridge module holds the call's lifecycle and Twilio side, and
this one the reaction to OpenAI: session set-up, barge-in, audio out, transcripts, tools.
"""

from __future__ import annotations

import base64
import logging
import time

from calls.live.protocol import realtime as rt
from calls.live.protocol.twilio import build_clear, build_mark, build_media
from calls.monitoring.live_events import CallState

logger = logging.getLogger("calls.live.bridge")

GOODBYE_INSTRUCTIONS = "고객님께 짧고 정중하게 작별 인사를 해 주세요."


def decoded_length(b64: str) -> int:
    """Bytes a base64 string decodes to, without decoding it."""
    return len(b64) * 3 // 4 - b64.count("=", -2)


class OpenAIEvents:
    """Handlers for OpenAI's server events, dispatched by type."""

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
