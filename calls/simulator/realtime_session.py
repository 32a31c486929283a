"""One fake Realtime session's state machine: client events in, server events out (§3–§6)."""

from __future__ import annotations

import asyncio
import copy
import time

from websockets.asyncio.server import ServerConnection

from calls.simulator import realtime_errors as errors
from calls.simulator import realtime_schema as schema
from calls.simulator import realtime_usage as usage
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
from calls.simulator.realtime_items import client_item, with_audio
from calls.simulator.realtime_response import ResponseRun
from calls.simulator.realtime_script import (
    AgentTurn,
    RealtimeScript,
    context_turn,
    latest_caller_words,
    latest_function_output,
)
from calls.simulator.realtime_turns import CallerTurns

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


class RealtimeSession(CallerTurns, SessionConnection):
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
        self.responses: list[ResponseRun] = []  # every response so far, for tests to inspect
        self.heard: dict[str, str] = {}  # user audio item id -> the caller line it spoke
        self._response_count = 0
        self._agent_turns = 0
        self._idle_turns = 0
        self._out_of_band_turns = 0
        self._cached_context: dict | None = None  # per-modality tokens of the last context
        self._voice_locked = False

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
            self.config, event.get("session"), voice_locked=self._voice_locked
        )
        self.input.configure(self._input_format(), turn_detection(self.config))
        if self._idle_timeout_ms() is None:
            self._idle_deadline_ms = None
        await self.emit({"type": "session.updated", "session": copy.deepcopy(self.config)})

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
            self.conversation.input_ms[item["id"]] = len(audio) / bytes_per_ms(self._input_format())
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

    async def _start_response(self, params: object, *, idle: bool = False) -> None:
        """Validate overrides, send response.created, then stream the rest in the background.

        An out-of-band response (`conversation: "none"`) reads only its `input` when given
        (`[]` clears the context; references resolve by id), else the conversation so far.
        """
        settings = response_settings(self.config, params)
        out_of_band = settings["conversation"] == "none"
        if not out_of_band and self.active is not None:
            raise errors.active_response(self.active.id)
        context, input_ms = self._context(settings["input"])
        tokens = usage.context_tokens(settings["instructions"], context, input_ms)
        # Prompt caching: a new context shares no prefix with the conversation's last one.
        previous = None if settings["input"] is not None else self._cached_context
        index, self._response_count = self._response_count, self._response_count + 1
        given_input = settings["input"] is not None
        turn = self._next_turn(out_of_band, idle, context, given_input).realised(
            latest_caller_words(context, self.heard), latest_function_output(context)
        )
        run = ResponseRun(
            emit=self.emit,
            settings=settings,
            turn=turn,
            index=index,
            conversation=self.conversation,
            context_tokens=tokens,
            cached_tokens=usage.cached_part(previous, tokens),
            timing=self.options.timing,
            rate_limits=self.options.rate_limits,
        )
        run.context = context
        self.responses.append(run)
        if not run.out_of_band:
            self.active = run
        await run.announce()
        self.runs[run.id] = (run, self.spawn(self._drive(run)))

    def _context(self, entries: list | None) -> tuple[list[dict], dict[str, float]]:
        """Return the items a response reads and the input audio ms each holds."""
        if entries is None:
            return list(self.conversation.items), self.conversation.input_ms
        items = self.conversation.resolve(entries, "response.input")
        input_ms = dict(self.conversation.input_ms)
        per_ms = bytes_per_ms(self._input_format())
        for item, data in entries:
            if data:
                input_ms[item["id"]] = len(data) / per_ms
        return items, input_ms

    def _next_turn(
        self, out_of_band: bool, idle: bool, context: list[dict], given_input: bool = False
    ) -> AgentTurn:
        """Pick the scripted turn; idle and out-of-band responses keep the agent script in step.

        An out-of-band response given its own `input` quotes it; one reading the conversation
        (a summary, a classification) speaks `out_of_band_turns` when the script has them.
        """
        if out_of_band and given_input:
            return context_turn(context)
        if out_of_band:
            turn = self.script.out_of_band_turn(self._out_of_band_turns)
            self._out_of_band_turns += 1
            return turn or context_turn(context)
        if idle and (turn := self.script.idle_turn(self._idle_turns)) is not None:
            self._idle_turns += 1
            return turn
        if self._agent_turns == 0 and any(item.get("role") == "assistant" for item in context):
            self._agent_turns = 1  # the client already said the opening turn (a cached greeting)
        turn = self.script.agent_turn(self._agent_turns)
        self._agent_turns += 1
        return turn

    async def _drive(self, run: ResponseRun) -> None:
        """Stream a response and, when it ends, free the conversation and arm the idle timer."""
        try:
            await run.stream()
        finally:
            self.runs.pop(run.id, None)
            if self.active is run:
                self.active = None
            self._voice_locked = self._voice_locked or run.audio_ms > 0
            if not run.out_of_band:
                self._cached_context = run.context_tokens
                self._arm_idle(self.audio_ms + run.audio_ms)

    async def _cancel(self, run: ResponseRun, reason: str) -> None:
        """Stop a response and wait until its tail and `response.done` have been sent."""
        run.request_cancel(reason)
        entry = self.runs.get(run.id)
        if entry is not None:
            await asyncio.shield(entry[1])

    # --- helpers ---------------------------------------------------------------------------------

    async def _expire_after(self, seconds: float) -> None:
        """End the session when its maximum lifetime has passed."""
        await asyncio.sleep(seconds)
        await self.expire()
