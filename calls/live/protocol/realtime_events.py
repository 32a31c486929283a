"""OpenAI Realtime (GA) server events, typed: parse_server_event() turns a frame into one.

Pure: no Django, no I/O. Unknown server event types parse to UnknownEvent (OpenAI adds events).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from calls.live.protocol.twilio import is_base64

BENIGN_ERROR_CODES = {
    "response_cancel_not_active",
    "conversation_already_has_active_response",
    "input_audio_buffer_commit_empty",
}


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
class IdleTimeout(ServerEvent):
    """The caller stayed silent for idle_timeout_ms after the agent's audio finished playing."""

    item_id: str
    audio_start_ms: int
    audio_end_ms: int


@dataclass(frozen=True, slots=True)
class ResponseCreated(ServerEvent):
    """A response started."""

    response_id: str
    metadata: dict = field(default_factory=dict)


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
    metadata: dict = field(default_factory=dict)


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
        _metadata(response),
    )


def _metadata(response: dict) -> dict:
    metadata = response.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


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
    "input_audio_buffer.timeout_triggered": lambda d: IdleTimeout(
        d["type"],
        str(d.get("item_id", "")),
        _field(d, "audio_start_ms", int),
        _field(d, "audio_end_ms", int),
    ),
    "response.created": lambda d: ResponseCreated(
        d["type"],
        str(_field(d, "response", dict).get("id", "")),
        _metadata(d["response"]),
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
