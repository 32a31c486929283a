"""Model-dependent rules of the GA schema: which models exist and which fields each one takes.

Read from the `openai` SDK 3.63.0 types (`realtime_session_create_request.py`,
`audio_transcription.py`); the SDK is the authority where the protocol notes disagree.
"""

from __future__ import annotations

import re
from typing import Any

from calls.simulator import realtime_errors as errors
from calls.simulator import realtime_schema as schema

# Every session model the SDK literal lists; retired-soon ones stay until they shut down (§11.1).
REALTIME_MODELS = [
    "gpt-realtime-2.1",
    "gpt-realtime-2",
    "gpt-realtime-2.1-mini",
    "gpt-realtime-1.5",
    "gpt-audio-1.5",
    "gpt-realtime",
    "gpt-realtime-2025-08-28",
    "gpt-realtime-mini",
    "gpt-realtime-mini-2025-10-06",
    "gpt-realtime-mini-2025-12-15",
    "gpt-audio-mini",
    "gpt-audio-mini-2025-10-06",
    "gpt-audio-mini-2025-12-15",
    "gpt-4o-realtime-preview",
    "gpt-4o-realtime-preview-2024-10-01",
    "gpt-4o-realtime-preview-2024-12-17",
    "gpt-4o-realtime-preview-2025-06-03",
    "gpt-4o-mini-realtime-preview",
    "gpt-4o-mini-realtime-preview-2024-12-17",
]
# "Reasoning Realtime models such as gpt-realtime-2" take `reasoning` and `parallel_tool_calls`.
# Which others do is UNCONFIRMED; an observation says gpt-realtime-1.5 rejects `reasoning`.
REASONING_MODELS = {"gpt-realtime-2", "gpt-realtime-2.1", "gpt-realtime-2.1-mini"}
REASONING_EFFORTS = ["minimal", "low", "medium", "high", "xhigh"]

TRANSCRIPTION_MODELS = [
    "gpt-live-transcribe",
    "gpt-transcribe",
    "gpt-realtime-whisper",
    "whisper-1",
    "gpt-4o-transcribe",
    "gpt-4o-mini-transcribe",
    "gpt-4o-mini-transcribe-2025-12-15",
    "gpt-4o-transcribe-diarize",
]
# Per the SDK docstrings: `languages`/`keywords` only for these two, `delay` only for whisper.
LIST_HINT_MODELS = {"gpt-transcribe", "gpt-live-transcribe"}
DELAY_MODELS = {"gpt-realtime-whisper"}
NO_PROMPT_MODELS = {"gpt-realtime-whisper"}
ISO_639_1 = re.compile(r"[a-z]{2}")


def is_reasoning_model(model: str) -> bool:
    """Tell whether `reasoning`/`parallel_tool_calls` apply to this session model."""
    return model in REASONING_MODELS


def unknown_model(model: str) -> errors.RealtimeError:
    """Refuse a model the API does not serve, in the REST API's `model_not_found` shape."""
    return errors.RealtimeError(
        "model_not_found", f"The model `{model}` does not exist or you do not have access to it."
    )


def unsupported(param: str) -> errors.RealtimeError:
    """Refuse a known field the chosen model does not take (OpenAI's `unsupported_parameter`)."""
    return errors.RealtimeError(
        "unsupported_parameter",
        f"Unsupported parameter: '{param}' is not supported with this model.",
        param,
    )


def reasoning(value: Any, path: str) -> dict:
    """Accept `{"effort": ...}`; the effort is optional in the SDK type."""
    schema.require_keys(value, path, {"effort"})
    if "effort" in value:
        schema.choice(value["effort"], f"{path}.effort", REASONING_EFFORTS)
    return dict(value)


def transcription(value: Any, path: str) -> dict | None:
    """Validate input transcription settings (off when null) against what the model takes."""
    if value is None:
        return None
    allowed = {"model", "language", "prompt", "languages", "keywords", "delay"}
    schema.require_keys(value, path, allowed)
    model = value.get("model")
    if model is not None:
        schema.choice(model, f"{path}.model", TRANSCRIPTION_MODELS)
    for key in ("language", "prompt"):
        if key in value:
            schema.string(value[key], f"{path}.{key}")
    if "prompt" in value and model in NO_PROMPT_MODELS:
        raise unsupported(f"{path}.prompt")
    for key in ("languages", "keywords"):
        if key in value:
            _string_list(value[key], f"{path}.{key}")
            if model not in LIST_HINT_MODELS:
                raise unsupported(f"{path}.{key}")
    for index, code in enumerate(value.get("languages", [])):
        if not ISO_639_1.fullmatch(code):
            raise errors.RealtimeError(
                "invalid_value",
                f"Invalid value: '{code}'. Expected an ISO-639-1 language code such as 'ko'.",
                f"{path}.languages[{index}]",
            )
    if "delay" in value:
        schema.choice(value["delay"], f"{path}.delay", REASONING_EFFORTS)
        if model not in DELAY_MODELS:
            raise unsupported(f"{path}.delay")
    return dict(value)


def _string_list(value: Any, path: str) -> list[str]:
    """Return `value` if it is an array of non-empty strings."""
    if not isinstance(value, list):
        raise errors.invalid_type(path, "an array", value)
    for index, entry in enumerate(value):
        if schema.string(entry, f"{path}[{index}]") == "":
            raise errors.RealtimeError(
                "empty_string",
                f"Invalid '{path}[{index}]': empty string. Expected a string with minimum "
                "length 1, but got an empty string instead.",
                f"{path}[{index}]",
            )
    return value
