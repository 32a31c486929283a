"""OpenAI Realtime (GA) messages: the session we ask for and the client events we send.

Pure: no Django, no I/O. The typed server events live in realtime_events and are re-exported
here, so callers use one name for the protocol (`from calls.live.protocol import realtime as rt`).
"""

from __future__ import annotations

import json
from typing import Any

from calls.live.protocol.realtime_events import (  # noqa: F401  (re-exported)
    BENIGN_ERROR_CODES,
    AgentTranscriptDelta,
    AgentTranscriptDone,
    AudioDelta,
    CallerTranscriptDelta,
    CallerTranscriptDone,
    CallerTranscriptFailed,
    ErrorEvent,
    FunctionCallDone,
    IdleTimeout,
    MalformedServerEvent,
    ResponseCreated,
    ResponseDone,
    ServerEvent,
    SessionCreated,
    SessionUpdated,
    SpeechStarted,
    SpeechStopped,
    UnknownEvent,
    parse_server_event,
)
from calls.live.protocol.session_options import model_options, output_voice, transcription
from prompts.snapshot import CallConfig

BYTES_PER_MS = {"pcmu": 8, "pcm16": 48}
FORMAT_OBJECTS = {"pcmu": {"type": "audio/pcmu"}, "pcm16": {"type": "audio/pcm", "rate": 24000}}

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
        "tools": TOOLS + [tool.function_tool() for tool in config.tools],
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


def out_of_band_response(
    event_id: str,
    instructions: str,
    items: list[dict] | None,
    modality: str = "audio",
    metadata: dict | None = None,
) -> str:
    """response.create beside the conversation: adds nothing to it; reads only `items` if given.

    Without `items` it reads the conversation so far (a post-call summary does that).
    """
    response: dict[str, Any] = {
        "conversation": "none",
        "instructions": instructions,
        "output_modalities": [modality],
    }
    if items is not None:
        response["input"] = items
    if metadata:
        response["metadata"] = metadata
    return dumps({"type": "response.create", "event_id": event_id, "response": response})


def system_message(text: str) -> dict:
    """A system message item, for an out-of-band response's input."""
    return {"type": "message", "role": "system", "content": [{"type": "input_text", "text": text}]}


def response_cancel(event_id: str, response_id: str = "") -> str:
    """response.cancel of the active response (or of the one named)."""
    event = {"type": "response.cancel", "event_id": event_id}
    if response_id:
        event["response_id"] = response_id
    return dumps(event)


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
