"""Session config: the GA default (§2.3), strict `session.update` merging, response overrides."""

from __future__ import annotations

import copy
from typing import Any

from calls.simulator import realtime_errors as errors
from calls.simulator import realtime_models as models
from calls.simulator import realtime_schema as schema
from calls.simulator.realtime_items import response_input

DEFAULT_INSTRUCTIONS = (
    "You are a helpful, witty, and friendly AI. Act like a human, but remember that you aren't "
    "a human. Your voice and personality should be warm and engaging."
)
SESSION_KEYS = {
    "type",
    "model",
    "instructions",
    "output_modalities",
    "audio",
    "tools",
    "tool_choice",
    "max_output_tokens",
    "tracing",
    "truncation",
    "include",
    "prompt",
}
# Only reasoning models take these (SDK); other models refuse them as `unsupported_parameter`.
REASONING_KEYS = {"reasoning", "parallel_tool_calls"}
RESPONSE_KEYS = {
    "conversation",
    "instructions",
    "output_modalities",
    "audio",
    "tools",
    "tool_choice",
    "max_output_tokens",
    "metadata",
    "prompt",
    "input",
}
PCM_24K = {"type": "audio/pcm", "rate": schema.PCM_RATE}


def default_session(session_id: str, model: str, expires_at: int, silence_duration_ms: int) -> dict:
    """Return the full session object a new connection starts with (the §2.3 example)."""
    vad = dict(schema.SERVER_VAD_DEFAULTS, silence_duration_ms=silence_duration_ms)
    return {
        "type": "realtime",
        "object": "realtime.session",
        "id": session_id,
        "model": model,
        "output_modalities": ["audio"],
        "instructions": DEFAULT_INSTRUCTIONS,
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
        "tracing": None,
        "truncation": "auto",
        "prompt": None,
        "expires_at": expires_at,
        "include": None,
        "audio": {
            "input": {
                "format": dict(PCM_24K),
                "transcription": None,
                "noise_reduction": None,
                "turn_detection": vad,
            },
            "output": {"format": dict(PCM_24K), "voice": "marin", "speed": 1.0},
        },
    }


def apply_session_update(current: dict, update: Any, *, voice_locked: bool) -> dict:
    """Return the config after `update`, or raise `RealtimeError` leaving `current` untouched.

    Only sent fields change. `audio`, `audio.input` and `audio.output` merge key by key; leaf
    objects such as `turn_detection` or `format` are replaced whole (defaults filled in), and
    null clears `turn_detection`, `transcription` and `noise_reduction`.
    """
    if update is None:
        raise errors.missing_parameter("session")
    schema.require_keys(update, "session", SESSION_KEYS | REASONING_KEYS)
    _refuse_reasoning_keys(update, "session", current["model"])
    if "type" not in update:
        raise errors.missing_parameter("session.type")
    # This fake serves conversation sessions only; a transcription session is another endpoint.
    schema.choice(update["type"], "session.type", ["realtime"])
    merged = copy.deepcopy(current)
    for key, value in update.items():
        path = f"session.{key}"
        if key == "audio":
            _merge_audio(merged["audio"], value, voice_locked)
        elif key == "model":
            if schema.choice(value, path, models.REALTIME_MODELS) != current["model"]:
                # UNCONFIRMED wording and code; the SDK only says the model cannot change.
                raise errors.RealtimeError(
                    "invalid_value", "Cannot update a session's model.", path
                )
        elif key != "type":
            merged[key] = _SESSION_FIELDS[key](value, path)
    if (
        "tracing" in update
        and current["tracing"] is not None
        and merged["tracing"] != current["tracing"]
    ):
        # UNCONFIRMED code; the SDK says tracing cannot be modified once enabled.
        raise errors.RealtimeError(
            "invalid_value", "Tracing cannot be modified once it is enabled.", "session.tracing"
        )
    return merged


def _refuse_reasoning_keys(given: dict, path: str, model: str) -> None:
    """Refuse `reasoning`/`parallel_tool_calls` for models that do not reason."""
    if models.is_reasoning_model(model):
        return
    for key in sorted(REASONING_KEYS & set(given)):
        raise models.unsupported(f"{path}.{key}")


def _merge_audio(audio: dict, value: Any, voice_locked: bool) -> None:
    """Merge `session.audio` into `audio` in place (the caller works on a copy)."""
    schema.require_keys(value, "session.audio", {"input", "output"})
    if "input" in value:
        path = "session.audio.input"
        given = schema.require_keys(
            value["input"], path, {"format", "noise_reduction", "transcription", "turn_detection"}
        )
        target = audio["input"]
        if "format" in given:
            target["format"] = schema.audio_format(given["format"], f"{path}.format")
        if "noise_reduction" in given:
            target["noise_reduction"] = schema.noise_reduction(
                given["noise_reduction"], f"{path}.noise_reduction", target["noise_reduction"]
            )
        if "transcription" in given:
            target["transcription"] = models.transcription(
                given["transcription"], f"{path}.transcription"
            )
        if "turn_detection" in given:
            target["turn_detection"] = schema.turn_detection(
                given["turn_detection"], f"{path}.turn_detection"
            )
    if "output" in value:
        path = "session.audio.output"
        given = schema.require_keys(value["output"], path, {"format", "voice", "speed"})
        target = audio["output"]
        if "format" in given:
            target["format"] = schema.audio_format(given["format"], f"{path}.format")
        if "speed" in given:
            target["speed"] = schema.decimal(given["speed"], f"{path}.speed", 0.25, 1.5)
        if "voice" in given:
            chosen = schema.voice(given["voice"], f"{path}.voice")
            if voice_locked and chosen != target["voice"]:
                # [OBS, not live-verified] code; the SDK says voice is fixed once audio played.
                raise errors.RealtimeError(
                    "cannot_update_voice",
                    "Cannot update a conversation's voice if assistant audio is present.",
                    f"{path}.voice",
                )
            target["voice"] = chosen


def _instructions(value: Any, path: str) -> str:
    """Accept any string; "" clears the instructions."""
    return schema.string(value, path)


_SESSION_FIELDS = {
    "instructions": _instructions,
    "output_modalities": schema.output_modalities,
    "tools": schema.tools,
    "tool_choice": schema.tool_choice,
    "max_output_tokens": schema.max_output_tokens,
    "tracing": schema.tracing,
    "truncation": schema.truncation,
    "include": schema.include,
    "prompt": schema.prompt,
    "reasoning": models.reasoning,
    "parallel_tool_calls": schema.boolean,
}


def response_settings(session: dict, params: Any) -> dict:
    """Validate `response.create.response` and return the settings the response runs with."""
    params = {} if params is None else params
    schema.require_keys(params, "response", RESPONSE_KEYS | REASONING_KEYS)
    _refuse_reasoning_keys(params, "response", session["model"])
    output = session["audio"]["output"]
    settings = {
        "conversation": "auto",
        "instructions": session["instructions"],
        "output_modalities": list(session["output_modalities"]),
        "format": dict(output["format"]),
        "voice": output["voice"],
        "speed": output["speed"],
        "tools": session["tools"],
        "tool_choice": session["tool_choice"],
        "max_output_tokens": session["max_output_tokens"],
        "metadata": None,
        "input": None,  # None: the response reads the default conversation
    }
    for key, value in params.items():
        path = f"response.{key}"
        if key == "conversation":
            settings[key] = schema.choice(value, path, ["auto", "none"])
        elif key == "audio":
            _response_audio(settings, value)
        elif key == "metadata":
            settings[key] = _metadata(value, path)
        elif key == "input":
            settings[key] = response_input(value, path)
        elif key in _SESSION_FIELDS:
            settings[key] = _SESSION_FIELDS[key](value, path)
    return settings


def _response_audio(settings: dict, value: Any) -> None:
    """Apply per-response `audio.output.{format, voice}` overrides."""
    schema.require_keys(value, "response.audio", {"output"})
    given = schema.require_keys(
        value.get("output", {}), "response.audio.output", {"format", "voice"}
    )
    if "format" in given:
        settings["format"] = schema.audio_format(given["format"], "response.audio.output.format")
    if "voice" in given:
        settings["voice"] = schema.voice(given["voice"], "response.audio.output.voice")


def _metadata(value: Any, path: str) -> dict | None:
    """Accept at most 16 string key/value pairs."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise errors.invalid_type(path, "an object", value)
    if len(value) > 16:
        raise errors.RealtimeError(
            "object_above_max_properties",
            f"Invalid '{path}': too many properties. Expected at most 16 properties.",
            path,
        )
    for key, item in value.items():
        schema.string(item, f"{path}.{key}")
    return dict(value)


def turn_detection(config: dict) -> dict | None:
    """Return the effective turn detection settings of a session config."""
    return config["audio"]["input"]["turn_detection"]
