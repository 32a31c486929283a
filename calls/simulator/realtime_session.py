"""One fake Realtime session's state machine: client events in, server events out (§3–§6)."""

from __future__ import annotations

import asyncio
import copy
import time

from websockets.asyncio.server import ServerConnection

from calls.simulator import realtime_errors as errors
from calls.simulator import realtime_schema as schema
from calls.simulator.realtime_audio import bytes_per_ms
from calls.simulator.realtime_config import (
    apply_session_update,
    default_session,
    response_settings,
    turn_detection,
)
from calls.simulator.realtime_connection import RealtimeOptions, SessionConnection
from calls.simulator.realtime_conversation import Conversation
from calls.simulator.realtime_errors import RealtimeError
from calls.simulator.realtime_ids import new_id
from calls.simulator.realtime_input import InputAudio
from calls.simulator.realtime_items import client_item, decode_audio, with_audio
from calls.simulator.realtime_response import ResponseRun, input_usage
from calls.simulator.realtime_script import RealtimeScript
from calls.simulator.realtime_transcription import transcription_events
from calls.simulator.realtime_vad import VadEvent

# Fields each client event may carry besides `type` and `event_id` (SDK client union, §3).
CLIENT_EVENT_FIELDS = {
    "session.update": {"session"},
    "input_audio_buffer.append": {"audio"},
    "input_audio_buffer.commit": set(),
    "input_audio_buffer.clear": set(),
    "conversation.item.create": {"item", "previous_item_id"},
    "conversation.item.truncate": {"item_id", "content_index", "audio_end_ms"},
    "conversation.item.delete": {"item_id"},
    "conversation.item.retrieve": {"item_id"},
    "response.create": {"response"},
    "response.cancel": {"response_id"},
    "output_audio_buffer.clear": {"response_id"},
}
COMMIT_MINIMUM_MS = 100


class RealtimeSession(SessionConnection):
    """The protocol state of one connection; `config` is the effective GA session object."""

    def __init__(
        self,
        websocket: ServerConnection,
        options: RealtimeOptions,
        script: RealtimeScript,
        model: str,
        controls: object,
    ) -> None:
        super().__init__(websocket, options, script)
        self.controls = controls  # the server; read live for `reject_session_updates`
        self.conversation = Conversation(new_id("conv"))
        expires_at = int(time.time() + options.session_max_seconds)
        self.config = default_session(
            self.id, model, expires_at, options.default_silence_duration_ms
        )
        self.input = InputAudio(self._input_format(), turn_detection(self.config))
        self.active: ResponseRun | None = None
        self.runs: dict[str, tuple[ResponseRun, asyncio.Task]] = {}
        self._response_count = 0
        self._user_turns = 0
        self._input_audio_ms = 0.0
        self._cached_tokens = 0
        self._voice_locked = False
        self._speech_item_id: str | None = None
        self._idle_deadline_ms: float | None = None

    @property
    def audio_ms(self) -> float:
        """Return the session audio clock: ms of input audio appended so far."""
        return self.input.audio_ms

    async def start(self) -> None:
        """Send `session.created` (and optionally `conversation.created`); start the lifetime."""
        await self.emit({"type": "session.created", "session": copy.deepcopy(self.config)})
        if self.options.send_conversation_created:
            conversation = {"id": self.conversation.id, "object": "realtime.conversation"}
            await self.emit({"type": "conversation.created", "conversation": conversation})
        self.spawn(self._expire_after(self.options.session_max_seconds))

    async def dispatch(self, event: dict) -> None:
        """Route an event to `on_<type>`; unknown types and fields are refused."""
        kind = event["type"]
        if kind not in CLIENT_EVENT_FIELDS:
            raise errors.invalid_value("type", kind, list(CLIENT_EVENT_FIELDS))
        schema.require_keys(event, "", CLIENT_EVENT_FIELDS[kind] | {"type", "event_id"})
        await getattr(self, "on_" + kind.replace(".", "_"))(event)

    # --- session ---------------------------------------------------------------------------------

    async def on_session_update(self, event: dict) -> None:
        """Apply a strict update atomically and answer with the full config."""
        rejection = getattr(self.controls, "reject_session_updates", None)
        if rejection:
            raise errors.forced_rejection(rejection, event.get("session"))
        self.config = apply_session_update(
            self.config,
            event.get("session"),
            voice_locked=self._voice_locked,
            silence_default=self.options.default_silence_duration_ms,
        )
        self.input.configure(self._input_format(), turn_detection(self.config))
        if self._idle_timeout_ms() is None:
            self._idle_deadline_ms = None
        await self.emit({"type": "session.updated", "session": copy.deepcopy(self.config)})

    # --- input audio -----------------------------------------------------------------------------

    async def on_input_audio_buffer_append(self, event: dict) -> None:
        """Count and analyse audio; appends are never acknowledged."""
        if "audio" not in event:
            raise errors.missing_parameter("audio")
        for decision in self.input.append(decode_audio(event["audio"], "audio")):
            if decision.kind == "speech_started":
                await self._speech_started(decision)
            else:
                await self._speech_stopped(decision)
        await self._check_idle()

    async def on_input_audio_buffer_commit(self, event: dict) -> None:
        """Commit the buffer by hand; at least 100 ms must be buffered."""
        if self.input.buffer_ms < COMMIT_MINIMUM_MS:
            raise errors.commit_empty(self.input.buffer_ms)
        data, _ = self.input.take()
        item_id, self._speech_item_id = self._speech_item_id or new_id("item"), None
        await self._commit_user_audio(item_id, data, spoken=True)

    async def on_input_audio_buffer_clear(self, event: dict) -> None:
        """Drop the buffer and any speech in progress."""
        self.input.clear()
        self._speech_item_id = None
        await self.emit({"type": "input_audio_buffer.cleared"})

    async def _speech_started(self, decision: VadEvent) -> None:
        """Announce speech; with `interrupt_response` it cancels the active response (§5.1)."""
        self._speech_item_id = new_id("item")
        self._idle_deadline_ms = None
        await self.emit(
            {
                "type": "input_audio_buffer.speech_started",
                "audio_start_ms": decision.audio_ms,
                "item_id": self._speech_item_id,
            }
        )
        if self.active is not None and turn_detection(self.config)["interrupt_response"]:
            await self._cancel(self.active, "turn_detected")

    async def _speech_stopped(self, decision: VadEvent) -> None:
        """End the turn: speech_stopped, commit, user item, then maybe a response (§4.1)."""
        item_id, self._speech_item_id = self._speech_item_id or new_id("item"), None
        await self.emit(
            {
                "type": "input_audio_buffer.speech_stopped",
                "audio_end_ms": decision.audio_ms,
                "item_id": item_id,
            }
        )
        await self._commit_user_audio(item_id, self.input.committed_segment, spoken=True)
        # With interrupt_response off a response may still be running; the server-side
        # auto-response is then skipped rather than reported as an error to the client.
        if turn_detection(self.config)["create_response"] and self.active is None:
            await self._start_response(None)

    async def _commit_user_audio(self, item_id: str, data: bytes, *, spoken: bool) -> None:
        """Turn committed audio into a user item and transcribe it when configured."""
        previous = self.conversation.last_id()
        await self.emit(
            {
                "type": "input_audio_buffer.committed",
                "previous_item_id": previous,
                "item_id": item_id,
            }
        )
        item = {
            "id": item_id,
            "object": "realtime.item",
            "type": "message",
            "status": "completed",
            "role": "user",
            "content": [{"type": "input_audio", "transcript": None}],
        }
        self.conversation.add(item)
        self.conversation.audio[item_id] = bytearray(data)
        self._input_audio_ms += len(data) / bytes_per_ms(self._input_format())
        await self.emit(
            {"type": "conversation.item.added", "previous_item_id": previous, "item": item}
        )
        transcript = ""
        if spoken:
            transcript = self.script.caller_line(self._user_turns)
            self._user_turns += 1
        waits = self.options.user_item_done_waits_for_transcript
        if self.config["audio"]["input"]["transcription"] is not None:
            self.spawn(self._transcribe(item, transcript, send_item_done=waits))
            if waits:
                return
        await self.emit({"type": "conversation.item.done", "item": copy.deepcopy(item)})

    async def _transcribe(self, item: dict, transcript: str, *, send_item_done: bool) -> None:
        """Send transcription deltas and `.completed` after the configured delay (async, §4.1)."""
        await asyncio.sleep(self.options.transcription_delay_ms / 1000)
        settings = self.config["audio"]["input"]["transcription"] or {}
        audio_bytes = len(self.conversation.audio.get(item["id"], b""))
        seconds = audio_bytes / bytes_per_ms(self._input_format()) / 1000
        item["content"][0]["transcript"] = transcript
        for event in transcription_events(item["id"], transcript, settings.get("model"), seconds):
            await self.emit(event)
        if send_item_done:
            await self.emit({"type": "conversation.item.done", "item": copy.deepcopy(item)})

    async def _check_idle(self) -> None:
        """Fire server_vad `idle_timeout_ms` once the audio clock passes the deadline (§4.4).

        The countdown runs on the audio clock from response.done + the response's audio length,
        because a phone bridge streams audio continuously; UNCONFIRMED whether the live service
        counts wall time instead.
        """
        deadline = self._idle_deadline_ms
        if deadline is None or self.active or self.input.in_speech or self.audio_ms < deadline:
            return
        self._idle_deadline_ms = None
        data, buffered_ms = self.input.take()
        item_id = new_id("item")
        await self.emit(
            {
                "type": "input_audio_buffer.timeout_triggered",
                "audio_start_ms": round(self.audio_ms - buffered_ms),
                "audio_end_ms": round(self.audio_ms),
                "item_id": item_id,
            }
        )
        await self._commit_user_audio(item_id, data, spoken=False)
        if turn_detection(self.config)["create_response"]:
            await self._start_response(None)

    # --- conversation items ----------------------------------------------------------------------

    async def on_conversation_item_create(self, event: dict) -> None:
        """Add a client item (message or function_call_output) to the conversation."""
        if "item" not in event:
            raise errors.missing_parameter("item")
        item, audio = client_item(event["item"])
        if item["type"] == "function_call_output" and not self.conversation.has_call(
            item["call_id"]
        ):
            # UNCONFIRMED code (§10.8); the wording is the Responses API's for the same mistake.
            raise RealtimeError(
                "invalid_value",
                f"No tool call found for function call output with call_id {item['call_id']}.",
                "item.call_id",
            )
        anchor = event.get("previous_item_id")
        if anchor is not None:
            schema.string(anchor, "previous_item_id")
        previous = (
            self.conversation.add(item) if anchor is None else self.conversation.add(item, anchor)
        )
        if audio:
            self.conversation.audio[item["id"]] = bytearray(audio)
        await self.emit(
            {"type": "conversation.item.added", "previous_item_id": previous, "item": item}
        )
        await self.emit({"type": "conversation.item.done", "item": copy.deepcopy(item)})

    async def on_conversation_item_truncate(self, event: dict) -> None:
        """Cut an assistant audio item at what the caller heard; its transcript is dropped."""
        for key in ("item_id", "content_index", "audio_end_ms"):
            if key not in event:
                raise errors.missing_parameter(key)
        item_id = schema.string(event["item_id"], "item_id")
        content_index = schema.integer(event["content_index"], "content_index")
        audio_end_ms = schema.integer(event["audio_end_ms"], "audio_end_ms")
        self.conversation.truncate(
            item_id, content_index, audio_end_ms, past_end_code=self.options.truncate_past_end_code
        )
        await self.emit(
            {
                "type": "conversation.item.truncated",
                "item_id": item_id,
                "content_index": content_index,
                "audio_end_ms": audio_end_ms,
            }
        )

    async def on_conversation_item_delete(self, event: dict) -> None:
        """Remove an item."""
        item_id = schema.string(event.get("item_id"), "item_id")
        self.conversation.delete(item_id)
        await self.emit({"type": "conversation.item.deleted", "item_id": item_id})

    async def on_conversation_item_retrieve(self, event: dict) -> None:
        """Return an item with its audio."""
        item_id = schema.string(event.get("item_id"), "item_id")
        item = self.conversation.get(item_id)
        if item is None:
            raise RealtimeError(
                "item_retrieve_invalid_item_id",
                f"Item with item_id not found: {item_id}",
                "item_id",
            )
        audio = bytes(self.conversation.audio.get(item_id, b""))
        await self.emit({"type": "conversation.item.retrieved", "item": with_audio(item, audio)})

    # --- responses -------------------------------------------------------------------------------

    async def on_response_create(self, event: dict) -> None:
        """Start a response; only one may write to the default conversation at a time."""
        await self._start_response(event.get("response"))

    async def on_response_cancel(self, event: dict) -> None:
        """Cancel the active (or named) response, or say nothing is active."""
        response_id = event.get("response_id")
        if response_id is not None:
            schema.string(response_id, "response_id")
        target = self.runs[response_id][0] if response_id in self.runs else None
        if response_id is None:
            target = self.active
        if target is None or target.cancel_reason is not None:
            raise errors.cancel_not_active()
        await self._cancel(target, "client_cancelled")

    async def on_output_audio_buffer_clear(self, event: dict) -> None:
        """Refuse a WebRTC/SIP-only event over WebSocket (§3); UNCONFIRMED code and wording."""
        raise RealtimeError(
            "invalid_value",
            "output_audio_buffer.clear is only supported for WebRTC and SIP connections.",
            "type",
        )

    async def _start_response(self, params: object) -> None:
        """Validate overrides, send response.created, then stream the rest in the background."""
        settings = response_settings(self.config, params)
        if settings["conversation"] != "none" and self.active is not None:
            raise errors.active_response(self.active.id)
        index, self._response_count = self._response_count, self._response_count + 1
        run = ResponseRun(
            emit=self.emit,
            settings=settings,
            turn=self.script.agent_turn(index),
            index=index,
            conversation=self.conversation,
            input_usage=input_usage(
                settings["instructions"],
                self.conversation,
                self._input_audio_ms,
                self._cached_tokens,
            ),
            timing=self.options.timing,
            rate_limits=self.options.rate_limits,
        )
        if not run.out_of_band:
            self.active = run
        await run.announce()
        self.runs[run.id] = (run, self.spawn(self._drive(run)))

    async def _drive(self, run: ResponseRun) -> None:
        """Stream a response and, when it ends, free the conversation and arm the idle timer."""
        try:
            await run.stream()
        finally:
            self.runs.pop(run.id, None)
            if self.active is run:
                self.active = None
            self._voice_locked = self._voice_locked or run.audio_ms > 0
            # Prompt caching: the next response can reuse this one's context in 64-token blocks.
            self._cached_tokens = (
                sum(run.input_usage[k] for k in ("text_tokens", "audio_tokens")) // 64 * 64
            )
            idle_ms = self._idle_timeout_ms()
            if idle_ms is not None and not run.out_of_band:
                self._idle_deadline_ms = self.audio_ms + run.audio_ms + idle_ms

    async def _cancel(self, run: ResponseRun, reason: str) -> None:
        """Stop a response and wait until its tail and `response.done` have been sent."""
        run.request_cancel(reason)
        entry = self.runs.get(run.id)
        if entry is not None:
            await asyncio.shield(entry[1])

    # --- helpers ---------------------------------------------------------------------------------

    def _input_format(self) -> dict:
        """Return the session input audio format."""
        return self.config["audio"]["input"]["format"]

    def _idle_timeout_ms(self) -> int | None:
        """Return server_vad `idle_timeout_ms`, or None when idle detection is off."""
        settings = turn_detection(self.config)
        if settings is None or settings["type"] != "server_vad":
            return None
        return settings["idle_timeout_ms"]

    async def _expire_after(self, seconds: float) -> None:
        """End the session when its maximum lifetime has passed."""
        await asyncio.sleep(seconds)
        await self.expire()
