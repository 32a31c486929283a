"""What a call does with each OpenAI Realtime event: one function per event type.

Each handler takes the bridge and the typed event, and coordinates the bridge's collaborators
(phase, link, caller audio, agent audio, responses, tools, transcripts) through their narrow
interfaces; HANDLERS maps event types to them. Unknown events are logged at debug and ignored.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from calls.live import session_setup
from calls.live.observer import count_response_usage
from calls.live.phase import CallPhase
from calls.live.protocol import realtime as rt
from calls.live.responses import IDLE_GOODBYE_INSTRUCTIONS
from calls.monitoring.live_events import CallState

if TYPE_CHECKING:
    from calls.live.bridge import CallBridge

logger = logging.getLogger("calls.live.bridge")


async def handle_ai_message(bridge: CallBridge, message: str | bytes) -> None:
    """Dispatch one OpenAI event; malformed ones are counted and dropped."""
    try:
        event = rt.parse_server_event(message)
    except rt.MalformedServerEvent as error:
        count_bad_event(bridge, str(error))
        return
    handler = bridge.HANDLERS.get(type(event))
    if handler is not None:
        await handler(bridge, event)
    else:
        logger.debug("ignored OpenAI event %s", event.type)


def count_bad_event(bridge: CallBridge, reason: str) -> None:
    """Count a malformed OpenAI frame; log each kind once per call."""
    bridge.counters.protocol_errors += 1
    key = f"ai:{reason}"
    bridge.bad_frames[key] = bridge.bad_frames.get(key, 0) + 1
    if bridge.bad_frames[key] == 1:
        logger.warning("dropped a bad OpenAI event: %s", reason)
        bridge.record_event("bad_ai_event", {"reason": reason})


async def on_session_updated(bridge: CallBridge, event: rt.SessionUpdated) -> None:
    """The session runs our config: replay after a drop, release buffered audio, greet once."""
    if bridge.phase.over:
        return
    wanted = bridge.session["audio"]["input"]["format"]["type"]
    actual = event.session.get("audio", {}).get("input", {}).get("format", {}).get("type")
    if actual != wanted:
        await bridge.end("ai_unavailable", {"error": f"session format {actual}, not {wanted}"})
        return
    first_time = not bridge.phase.reached(CallPhase.LIVE)
    if bridge.phase.is_(CallPhase.RESTORING):
        await session_setup.replay_history(bridge)
    bridge.phase.to(CallPhase.LIVE)
    pending = bridge.caller_audio.pending
    while pending:
        await bridge.link.socket.send(rt.audio_append(pending.popleft()))
    await bridge.responses.settle_owed()
    if first_time:
        await bridge.greeting.speak(bridge)


async def on_error(bridge: CallBridge, event: rt.ErrorEvent) -> None:
    """An error from OpenAI: fatal if it answers our session.update, else logged."""
    if event.event_id and event.event_id == bridge.session_event_id:
        logger.error("OpenAI refused the session: %s %s", event.code, event.message)
        await bridge.end("ai_unavailable", {"code": event.code, "message": event.message})
        return
    await bridge.responses.refused(event.event_id)
    if event.code == "session_expired":
        bridge.record_event("ai_error", {"code": event.code, "message": event.message})
        return
    if not event.benign:
        bridge.counters.protocol_errors += 1
        logger.warning("OpenAI error %s: %s", event.code, event.message)
        bridge.record_event("ai_error", {"code": event.code, "message": event.message})


async def on_speech_started(bridge: CallBridge, event: rt.SpeechStarted) -> None:
    """Barge-in: clear Twilio's buffer and truncate at what the caller heard.

    With `interrupt_response` off, OpenAI lets its response run on; the caller still must not
    talk over the agent, so the bridge cancels the response itself.
    """
    started = time.monotonic()
    bridge.transcripts.caller_started_speaking(event.item_id)
    bridge.set_state(CallState.CALLER_SPEAKING)
    if bridge.config is None:
        return
    cut = await bridge.agent_audio.barge_in(bridge.stream_ms, started)
    if not bridge.config.vad.interrupt_response:
        await bridge.responses.cancel()
    if cut is None:
        return
    if bridge.agent_audio.can_truncate(cut):
        await bridge.send_to_ai(rt.truncate(cut.item_id, cut.audio_end_ms, bridge.next_id("trunc")))
    bridge.counters.interruptions += 1
    bridge.transcripts.agent_interrupted(cut.item_id)
    bridge.record_event(
        "barge_in",
        {"item_id": cut.item_id, "played_ms": cut.played_ms, "generated_ms": cut.generated_ms},
    )
    responses = bridge.responses
    if responses.end_after_playback and not responses.active:
        await bridge.end(responses.end_after_playback)


async def on_speech_stopped(bridge: CallBridge, event: rt.SpeechStopped) -> None:
    """The caller's turn ended: start the response-latency clock."""
    bridge.transcripts.caller_stopped_speaking()
    bridge.caller_audio.unfinished_turn.clear()
    bridge.set_state(CallState.IDLE)


async def on_idle_timeout(bridge: CallBridge, event: rt.IdleTimeout) -> None:
    """The caller said nothing: the agent asks again (OpenAI's own response), then says goodbye.

    After `idle_reprompts` silences, the next one ends the call as `caller_idle`, through the
    same path as end_call: the goodbye plays to the end, then connect-action answers <Hangup/>.
    """
    bridge.idle_timeouts += 1
    bridge.record_event("caller_idle", {"count": bridge.idle_timeouts})
    responses = bridge.responses
    if bridge.idle_timeouts <= bridge.config.idle_reprompts or responses.end_after_playback:
        return
    responses.end_when_played("caller_idle", IDLE_GOODBYE_INSTRUCTIONS)
    if not bridge.config.vad.create_response:
        await responses.say_goodbye()
    elif responses.active:
        await responses.cancel()
    else:
        responses.replace_next = True  # OpenAI answers the silence; our goodbye replaces it


async def on_response_created(bridge: CallBridge, event: rt.ResponseCreated) -> None:
    """A response started; while a supervisor holds the call it is cancelled (audio dropped)."""
    bridge.greeting.created(event.response_id)
    await bridge.responses.created(event.response_id)
    if bridge.voice.held:
        await bridge.responses.cancel()


async def on_audio_delta(bridge: CallBridge, event: rt.AudioDelta) -> None:
    """Hot path: forward agent audio to Twilio (media + mark), unless barge-in cut the item."""
    if (
        event.item_id in bridge.agent_audio.suppressed
        or event.response_id in bridge.responses.cancelled
    ):
        return
    if bridge.greeting.capture_response:
        bridge.greeting.delta(event.response_id, event.delta)
    turn = bridge.transcripts.agent_turn(event.item_id)
    await bridge.agent_audio.forward(event.item_id, event.delta, bridge.stream_ms)
    bridge.transcripts.agent_audio_sent(turn)
    if bridge.state != CallState.AGENT_SPEAKING:
        bridge.set_state(CallState.AGENT_SPEAKING)


async def on_agent_transcript_delta(bridge: CallBridge, event: rt.AgentTranscriptDelta) -> None:
    """Partial agent text."""
    bridge.transcripts.agent_text(event.item_id, event.delta)


async def on_agent_transcript_done(bridge: CallBridge, event: rt.AgentTranscriptDone) -> None:
    """The agent's full text for an item."""
    bridge.transcripts.agent_done(event.item_id, event.transcript)


async def on_caller_transcript_delta(bridge: CallBridge, event: rt.CallerTranscriptDelta) -> None:
    """Partial caller text."""
    bridge.transcripts.caller_text(event.item_id, event.delta)


async def on_caller_transcript_done(bridge: CallBridge, event: rt.CallerTranscriptDone) -> None:
    """A finished caller turn."""
    bridge.transcripts.caller_done(event.item_id, event.transcript)


async def on_caller_transcript_failed(bridge: CallBridge, event: rt.CallerTranscriptFailed) -> None:
    """Transcription failed: keep a trace in the timeline."""
    bridge.record_event("transcription_failed", {"item_id": event.item_id})


async def on_function_call(bridge: CallBridge, event: rt.FunctionCallDone) -> None:
    """The agent called a tool."""
    await bridge.tools.call(event)


async def on_response_done(bridge: CallBridge, event: rt.ResponseDone) -> None:
    """A response ended: count tokens, then goodbye, hang-up or a queued response."""
    count_response_usage(bridge.counters, event.usage)
    bridge.summary.done(event)
    responses = bridge.responses
    cut_short = any(item.get("id") in bridge.agent_audio.suppressed for item in event.output)
    bridge.greeting.done(event.response_id, event.status, cut_short)
    hang_up = responses.end_after_playback
    await responses.finished()
    if not hang_up:
        await bridge.tools.say_filler_if_quiet()
        return
    if bridge.agent_audio.playing:
        return
    if not responses.spoke(event.response_id, event.output) and not responses.goodbye_requested:
        await responses.say_goodbye()
    else:
        await bridge.end(hang_up)


HANDLERS = {
    rt.SessionUpdated: on_session_updated,
    rt.ErrorEvent: on_error,
    rt.SpeechStarted: on_speech_started,
    rt.SpeechStopped: on_speech_stopped,
    rt.IdleTimeout: on_idle_timeout,
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
