"""OpenAI Realtime (GA) messages: the session we ask for, client events, typed server events.

Pure: no Django, no I/O. Unknown server event types parse to UnknownEvent (OpenAI adds events).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from calls.live.protocol.session_options import model_options, output_voice, transcription
from calls.live.protocol.twilio import is_base64
from prompts.snapshot import CallConfig

BYTES_PER_MS = {"pcmu": 8, "pcm16": 48}
FORMAT_OBJECTS = {"pcmu": {"type": "audio/pcmu"}, "pcm16": {"type": "audio/pcm", "rate": 24000}}
BENIGN_ERROR_CODES = {
    "response_cancel_not_active",
    "conversation_already_has_active_response",
    "input_audio_buffer_commit_empty",
}

TOOLS = [
    {
        "type": "function",
        "name": "end_call",
        "description": "Hang up after the caller confirmed there is nothing else. "
        "Say a short goodbye in the same turn before calling this.",
        "parameters": {
            "type": "object",
            "properties": {"reason": {"type": "string", "description": "Why the call ends."}},
            "required": [],
        },
    },
    {
        "type": "function",
        "name": "transfer_to_human",
        "description": "Transfer the caller to a human agent when they ask for one or need one.",
        "parameters": {
            "type": "object",
            "properties": {"reason": {"type": "string", "description": "Why a human is needed."}},
            "required": [],
        },
    },
]


def turn_detection(config: CallConfig) -> dict | None:
    """The GA audio.input.turn_detection object for the frozen VAD settings."""
    vad = config.vad
    if vad.type == "none":
        return None
    if vad.type == "semantic_vad":
        return {
            "type": "semantic_vad",
            "eagerness": vad.eagerness,
            "create_response": vad.create_response,
            "interrupt_response": vad.interrupt_response,
        }
    return {
        "type": "server_vad",
        "threshold": vad.threshold,
        "prefix_padding_ms": vad.prefix_padding_ms,
        "silence_duration_ms": vad.silence_duration_ms,
        "idle_timeout_ms": vad.idle_timeout_ms,
        "create_response": vad.create_response,
        "interrupt_response": vad.interrupt_response,
    }


def build_session(config: CallConfig, audio_format: str) -> dict:
    """The GA `session` object sent in session.update (never beta keys: they void the update)."""
    audio_format_object = FORMAT_OBJECTS[audio_format]
    noise = config.vad.noise_reduction
    return {
        "type": "realtime",
        "instructions": config.instructions,
        "output_modalities": ["audio"],
        "audio": {
            "input": {
                "format": dict(audio_format_object),
                "noise_reduction": None if noise == "none" else {"type": noise},
                "transcription": transcription(config),
                "turn_detection": turn_detection(config),
            },
            "output": {"format": dict(audio_format_object), "voice": output_voice(config)},
        },
        "tools": TOOLS,
        "tool_choice": "auto",
        **model_options(config),
    }


def dumps(event: dict) -> str:
    """Serialise a client event compactly, keeping Hangul readable in logs."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


def session_update(session: dict, event_id: str) -> str:
    """session.update with our event_id, so an error answering it can be recognised."""
    return dumps({"type": "session.update", "event_id": event_id, "session": session})


def audio_append(payload_b64: str) -> str:
    """input_audio_buffer.append; built by hand because it runs 50 times a second per call."""
    return f'{{"type":"input_audio_buffer.append","audio":"{payload_b64}"}}'


def truncate(item_id: str, audio_end_ms: int, event_id: str) -> str:
    """conversation.item.truncate at the milliseconds the caller actually heard."""
    return dumps(
        {
            "type": "conversation.item.truncate",
            "event_id": event_id,
            "item_id": item_id,
            "content_index": 0,
            "audio_end_ms": audio_end_ms,
        }
    )


def response_create(event_id: str, instructions: str | None = None) -> str:
    """response.create, optionally with instructions for this response only."""
    event: dict[str, Any] = {"type": "response.create", "event_id": event_id}
    if instructions:
        event["response"] = {"instructions": instructions}
    return dumps(event)


def response_cancel(event_id: str) -> str:
    """response.cancel of the active response."""
    return dumps({"type": "response.cancel", "event_id": event_id})


def text_item(role: str, text: str, event_id: str) -> str:
    """conversation.item.create with a user or system text message."""
    return dumps(
        {
            "type": "conversation.item.create",
            "event_id": event_id,
            "item": {
                "type": "message",
                "role": role,
                "content": [{"type": "input_text", "text": text}],
            },
        }
    )


def history_item(role: str, text: str, event_id: str) -> str:
    """A past turn replayed into a new session: user input_text or assistant output_text."""
    part = "output_text" if role == "assistant" else "input_text"
    return dumps(
        {
            "type": "conversation.item.create",
            "event_id": event_id,
            "item": {"type": "message", "role": role, "content": [{"type": part, "text": text}]},
        }
    )


def function_output(call_id: str, output: dict, event_id: str) -> str:
    """conversation.item.create answering a function call."""
    return dumps(
        {
            "type": "conversation.item.create",
            "event_id": event_id,
            "item": {"type": "function_call_output", "call_id": call_id, "output": dumps(output)},
        }
    )


class MalformedServerEvent(ValueError):
    """A server frame that is not JSON or lacks a field its type requires."""


@dataclass(frozen=True, slots=True)
class ServerEvent:
    """Base of typed server events."""

    type: str


@dataclass(frozen=True, slots=True)
class UnknownEvent(ServerEvent):
    """An event type we do not handle (logged at debug, ignored)."""


@dataclass(frozen=True, slots=True)
class SessionCreated(ServerEvent):
    """The session exists with its default configuration."""

    session: dict


@dataclass(frozen=True, slots=True)
class SessionUpdated(ServerEvent):
    """The full effective configuration after a session.update."""

    session: dict


@dataclass(frozen=True, slots=True)
class ErrorEvent(ServerEvent):
    """An error, possibly answering one of our events (event_id)."""

    code: str
    message: str
    param: str
    event_id: str

    @property
    def benign(self) -> bool:
        """Races every bridge meets (for example cancelling a finished response)."""
        return self.code in BENIGN_ERROR_CODES


@dataclass(frozen=True, slots=True)
class SpeechStarted(ServerEvent):
    """The caller started speaking (VAD)."""

    audio_start_ms: int
    item_id: str


@dataclass(frozen=True, slots=True)
class SpeechStopped(ServerEvent):
    """The caller stopped speaking (VAD); the turn ends."""

    audio_end_ms: int
    item_id: str


@dataclass(frozen=True, slots=True)
class ResponseCreated(ServerEvent):
    """A response started."""

    response_id: str


@dataclass(frozen=True, slots=True)
class AudioDelta(ServerEvent):
    """A piece of the agent's audio, base64 in the session's output format."""

    response_id: str
    item_id: str
    delta: str


@dataclass(frozen=True, slots=True)
class AgentTranscriptDelta(ServerEvent):
    """A piece of the agent's spoken text."""

    item_id: str
    delta: str


@dataclass(frozen=True, slots=True)
class AgentTranscriptDone(ServerEvent):
    """The agent's full text for one item."""

    item_id: str
    transcript: str


@dataclass(frozen=True, slots=True)
class CallerTranscriptDelta(ServerEvent):
    """A piece of the caller's transcribed speech."""

    item_id: str
    delta: str


@dataclass(frozen=True, slots=True)
class CallerTranscriptDone(ServerEvent):
    """The caller's full transcribed turn."""

    item_id: str
    transcript: str


@dataclass(frozen=True, slots=True)
class CallerTranscriptFailed(ServerEvent):
    """Transcription of a caller turn failed."""

    item_id: str
    message: str


@dataclass(frozen=True, slots=True)
class FunctionCallDone(ServerEvent):
    """The agent called one of our tools."""

    call_id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class ResponseDone(ServerEvent):
    """A response ended: completed, cancelled, incomplete or failed; with token usage."""

    response_id: str
    status: str
    usage: dict = field(default_factory=dict)
    output: list = field(default_factory=list)


def _field(data: dict, key: str, kind=str):
    value = data.get(key)
    if not isinstance(value, kind):
        raise MalformedServerEvent(f"{data.get('type')}: field {key!r} missing")
    return value


def _error(data: dict) -> ErrorEvent:
    error = _field(data, "error", dict)
    return ErrorEvent(
        "error",
        str(error.get("code") or ""),
        str(error.get("message") or ""),
        str(error.get("param") or ""),
        str(error.get("event_id") or ""),
    )


def _response_done(data: dict) -> ResponseDone:
    response = _field(data, "response", dict)
    usage = response.get("usage")
    output = response.get("output")
    return ResponseDone(
        "response.done",
        str(response.get("id", "")),
        str(response.get("status", "")),
        usage if isinstance(usage, dict) else {},
        [item for item in output if isinstance(item, dict)] if isinstance(output, list) else [],
    )


def _audio_delta(data: dict) -> AudioDelta:
    delta = _field(data, "delta")
    if not is_base64(delta):
        raise MalformedServerEvent("response.output_audio.delta: delta is not base64")
    return AudioDelta(
        data["type"], str(data.get("response_id", "")), _field(data, "item_id"), delta
    )


_PARSERS = {
    "session.created": lambda d: SessionCreated(d["type"], _field(d, "session", dict)),
    "session.updated": lambda d: SessionUpdated(d["type"], _field(d, "session", dict)),
    "error": _error,
    "input_audio_buffer.speech_started": lambda d: SpeechStarted(
        d["type"], _field(d, "audio_start_ms", int), str(d.get("item_id", ""))
    ),
    "input_audio_buffer.speech_stopped": lambda d: SpeechStopped(
        d["type"], _field(d, "audio_end_ms", int), str(d.get("item_id", ""))
    ),
    "response.created": lambda d: ResponseCreated(
        d["type"], str(_field(d, "response", dict).get("id", ""))
    ),
    "response.output_audio.delta": _audio_delta,
    "response.output_audio_transcript.delta": lambda d: AgentTranscriptDelta(
        d["type"], _field(d, "item_id"), _field(d, "delta")
    ),
    "response.output_audio_transcript.done": lambda d: AgentTranscriptDone(
        d["type"], _field(d, "item_id"), _field(d, "transcript")
    ),
    "conversation.item.input_audio_transcription.delta": lambda d: CallerTranscriptDelta(
        d["type"], _field(d, "item_id"), _field(d, "delta")
    ),
    "conversation.item.input_audio_transcription.completed": lambda d: CallerTranscriptDone(
        d["type"], _field(d, "item_id"), _field(d, "transcript")
    ),
    "conversation.item.input_audio_transcription.failed": lambda d: CallerTranscriptFailed(
        d["type"], _field(d, "item_id"), str((d.get("error") or {}).get("message", ""))
    ),
    "response.function_call_arguments.done": lambda d: FunctionCallDone(
        d["type"], _field(d, "call_id"), _field(d, "name"), str(d.get("arguments") or "{}")
    ),
    "response.done": _response_done,
}


def parse_server_event(text: str | bytes) -> ServerEvent:
    """Parse one frame from OpenAI into a typed event; raise MalformedServerEvent if broken."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise MalformedServerEvent("not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise MalformedServerEvent("no event type")
    parser = _PARSERS.get(data["type"])
    if parser is None:
        return UnknownEvent(data["type"])
    return parser(data)
