"""Strict value checks for the GA Realtime schema; every failure names its dotted `param`."""

from __future__ import annotations

from typing import Any

from calls.simulator import realtime_errors as errors

VOICES = [
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "sage",
    "shimmer",
    "verse",
    "marin",
    "cedar",
]
FORMAT_TYPES = ["audio/pcm", "audio/pcmu", "audio/pcma"]
PCM_RATE = 24000
EAGERNESS = ["low", "medium", "high", "auto"]
SERVER_VAD_DEFAULTS = {
    "type": "server_vad",
    "threshold": 0.5,
    "prefix_padding_ms": 300,
    "silence_duration_ms": 500,
    "idle_timeout_ms": None,
    "create_response": True,
    "interrupt_response": True,
}
SEMANTIC_VAD_DEFAULTS = {
    "type": "semantic_vad",
    "eagerness": "auto",
    "create_response": True,
    "interrupt_response": True,
}


# Top-level keys of an MCP tool in the SDK's `RealtimeToolsConfigUnionParam.Mcp`.
MCP_TOOL_KEYS = {
    "type",
    "server_label",
    "allowed_callers",
    "allowed_tools",
    "authorization",
    "connector_id",
    "defer_loading",
    "headers",
    "require_approval",
    "server_description",
    "server_url",
    "tunnel_id",
}


def require_keys(value: Any, path: str, allowed: set[str]) -> dict:
    """Return `value` as an object, refusing any key outside `allowed` with `unknown_parameter`."""
    if not isinstance(value, dict):
        raise errors.invalid_type(path, "an object", value)
    for key in value:
        if key not in allowed:
            raise errors.unknown_parameter(f"{path}.{key}" if path else key)
    return value


def string(value: Any, path: str) -> str:
    """Return `value` if it is a string."""
    if not isinstance(value, str):
        raise errors.invalid_type(path, "a string", value)
    return value


def boolean(value: Any, path: str) -> bool:
    """Return `value` if it is a boolean."""
    if not isinstance(value, bool):
        raise errors.invalid_type(path, "a boolean", value)
    return value


def integer(value: Any, path: str, low: int | None = None, high: int | None = None) -> int:
    """Return `value` if it is an integer within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.invalid_type(path, "an integer", value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise errors.out_of_range(path, value, low, high)
    return value


def decimal(value: Any, path: str, low: float, high: float) -> float:
    """Return `value` if it is a number within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise errors.invalid_type(path, "a decimal", value)
    if value < low or value > high:
        raise errors.out_of_range(path, float(value), low, high)
    return value


def choice(value: Any, path: str, supported: list[str]) -> str:
    """Return `value` if it is one of the supported strings."""
    if not isinstance(value, str):
        raise errors.invalid_type(path, "a string", value)
    if value not in supported:
        raise errors.invalid_value(path, value, supported)
    return value


def audio_format(value: Any, path: str) -> dict:
    """Normalise `{"type": "audio/pcm"|"audio/pcmu"|"audio/pcma"}`; pcm takes only rate 24000."""
    kind = require_keys(value, path, {"type", "rate"}).get("type")
    if kind is None:
        raise errors.missing_parameter(f"{path}.type")
    choice(kind, f"{path}.type", FORMAT_TYPES)
    if kind != "audio/pcm":
        # G.711 formats are fixed at 8 kHz and have no rate field in the SDK.
        require_keys(value, path, {"type"})
        return {"type": kind}
    rate = value.get("rate", PCM_RATE)
    if isinstance(rate, bool) or not isinstance(rate, int):
        raise errors.invalid_type(f"{path}.rate", "an integer", rate)
    if rate != PCM_RATE:
        raise errors.invalid_value(f"{path}.rate", rate, [str(PCM_RATE)])
    return {"type": kind, "rate": PCM_RATE}


def voice(value: Any, path: str) -> str | dict:
    """Accept a built-in voice name or a custom `{"id": "voice_..."}`."""
    if isinstance(value, dict):
        require_keys(value, path, {"id"})
        if "id" not in value:
            raise errors.missing_parameter(f"{path}.id")
        return {"id": string(value["id"], f"{path}.id")}
    return choice(value, path, VOICES)


def output_modalities(value: Any, path: str) -> list[str]:
    """Accept `["audio"]` or `["text"]`; GA cannot produce both at once."""
    if not isinstance(value, list):
        raise errors.invalid_type(path, "an array", value)
    if len(value) != 1:
        raise errors.invalid_value(path, value, ["['audio']", "['text']"])
    choice(value[0], f"{path}[0]", ["audio", "text"])
    return list(value)


def turn_detection(value: Any, path: str) -> dict | None:
    """Normalise server_vad / semantic_vad settings, filling the SDK's defaults (0.5/300/500)."""
    if value is None:
        return None
    require_keys(value, path, set(SERVER_VAD_DEFAULTS) | set(SEMANTIC_VAD_DEFAULTS))
    kind = value.get("type")
    if kind is None:
        raise errors.missing_parameter(f"{path}.type")
    choice(kind, f"{path}.type", ["server_vad", "semantic_vad"])
    defaults = SERVER_VAD_DEFAULTS if kind == "server_vad" else SEMANTIC_VAD_DEFAULTS
    require_keys(value, path, set(defaults))
    result = dict(defaults)
    for key, item in value.items():
        where = f"{path}.{key}"
        if key == "threshold":
            result[key] = decimal(item, where, 0.0, 1.0)
        elif key in ("prefix_padding_ms", "silence_duration_ms"):
            result[key] = integer(item, where, 0)
        elif key == "idle_timeout_ms":
            result[key] = None if item is None else integer(item, where, 5000, 30000)
        elif key in ("create_response", "interrupt_response"):
            result[key] = boolean(item, where)
        elif key == "eagerness":
            result[key] = choice(item, where, EAGERNESS)
    return result


def noise_reduction(value: Any, path: str, current: dict | None) -> dict | None:
    """Validate `{"type": "near_field"|"far_field", "strength": n}` (off when null).

    `strength` defaults to 1 when noise reduction is first enabled; omitting it from an
    update keeps the current strength (SDK docstring).
    """
    if value is None:
        return None
    require_keys(value, path, {"type", "strength"})
    if "type" not in value:
        raise errors.missing_parameter(f"{path}.type")
    result = {"type": choice(value["type"], f"{path}.type", ["near_field", "far_field"])}
    if "strength" in value:
        # UNCONFIRMED upper bound: the SDK only says higher values suppress more.
        result["strength"] = decimal(value["strength"], f"{path}.strength", 0.0, float("inf"))
    else:
        result["strength"] = (current or {}).get("strength", 1.0)
    return result


def tools(value: Any, path: str) -> list[dict]:
    """Validate function and MCP tool declarations."""
    if not isinstance(value, list):
        raise errors.invalid_type(path, "an array", value)
    for index, tool in enumerate(value):
        where = f"{path}[{index}]"
        if not isinstance(tool, dict):
            raise errors.invalid_type(where, "an object", tool)
        kind = choice(tool.get("type", "function"), f"{where}.type", ["function", "mcp"])
        if kind == "function":
            require_keys(tool, where, {"type", "name", "description", "parameters"})
            if "name" not in tool:
                raise errors.missing_parameter(f"{where}.name")
            string(tool["name"], f"{where}.name")
            if "parameters" in tool and not isinstance(tool["parameters"], dict):
                raise errors.invalid_type(f"{where}.parameters", "an object", tool["parameters"])
        else:
            require_keys(tool, where, MCP_TOOL_KEYS)
            if "server_label" not in tool:
                raise errors.missing_parameter(f"{where}.server_label")
            string(tool["server_label"], f"{where}.server_label")
    return [dict(tool) for tool in value]


def tool_choice(value: Any, path: str) -> str | dict:
    """Validate `auto|none|required` or a forced `{"type": "function", "name": ...}`."""
    if isinstance(value, dict):
        kind = choice(value.get("type"), f"{path}.type", ["function", "mcp"])
        if kind == "function":
            require_keys(value, path, {"type", "name"})
            string(value.get("name"), f"{path}.name")
        return dict(value)
    return choice(value, path, ["auto", "none", "required"])


def max_output_tokens(value: Any, path: str) -> int | str:
    """Accept 1–4096 or the string "inf"."""
    if value == "inf":
        return value
    return integer(value, path, 1, 4096)


def tracing(value: Any, path: str) -> str | dict | None:
    """Accept "auto", null, or a `{workflow_name, group_id, metadata}` object."""
    if value is None or value == "auto":
        return value
    if isinstance(value, str):
        raise errors.invalid_value(path, value, ["auto"])
    return dict(require_keys(value, path, {"workflow_name", "group_id", "metadata"}))


def truncation(value: Any, path: str) -> str | dict:
    """Accept "auto", "disabled" or a retention-ratio object."""
    if isinstance(value, str):
        return choice(value, path, ["auto", "disabled"])
    require_keys(value, path, {"type", "retention_ratio", "token_limits"})
    for key in ("type", "retention_ratio"):
        if key not in value:
            raise errors.missing_parameter(f"{path}.{key}")
    choice(value["type"], f"{path}.type", ["retention_ratio"])
    decimal(value["retention_ratio"], f"{path}.retention_ratio", 0.0, 1.0)
    if "token_limits" in value:
        limits = require_keys(value["token_limits"], f"{path}.token_limits", {"post_instructions"})
        if "post_instructions" in limits:
            integer(limits["post_instructions"], f"{path}.token_limits.post_instructions", 0)
    return dict(value)


def include(value: Any, path: str) -> list[str] | None:
    """Accept null or a list of supported include flags."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise errors.invalid_type(path, "an array", value)
    supported = ["item.input_audio_transcription.logprobs"]
    for index, flag in enumerate(value):
        choice(flag, f"{path}[{index}]", supported)
    return list(value)


def prompt(value: Any, path: str) -> dict | None:
    """Accept null or a stored-prompt reference."""
    if value is None:
        return None
    require_keys(value, path, {"id", "version", "variables"})
    string(value.get("id"), f"{path}.id")
    return dict(value)
