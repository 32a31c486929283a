"""Checks and normalises items sent with `conversation.item.create` (§3 item types)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from calls.simulator import realtime_errors as errors
from calls.simulator import realtime_schema as schema
from calls.simulator.realtime_ids import new_id

PART_TYPES_BY_ROLE = {
    "user": ["input_text", "input_audio", "input_image"],
    "system": ["input_text"],
    # Assistant audio cannot be created by the client, only text.
    "assistant": ["output_text"],
}
ITEM_KEYS = {
    "message": {"id", "object", "status", "type", "role", "content"},
    "function_call": {"id", "object", "status", "type", "name", "arguments", "call_id"},
    "function_call_output": {"id", "object", "status", "type", "call_id", "output"},
}
PART_KEYS = {
    "input_text": {"type", "text"},
    "output_text": {"type", "text"},
    "input_audio": {"type", "audio", "transcript"},
    "input_image": {"type", "image_url", "detail"},
}


def decode_audio(value: Any, param: str) -> bytes:
    """Decode base64 audio; the invalid_value code and wording for bad base64 are UNCONFIRMED."""
    schema.string(value, param)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise errors.RealtimeError(
            "invalid_value", f"Invalid '{param}': expected base64-encoded audio.", param
        ) from None


def client_item(item: Any, path: str = "item") -> tuple[dict, bytes]:
    """Return the stored item (no audio inside, status completed) and any input audio it carried."""
    kind = schema.require_keys(item, path, set().union(*ITEM_KEYS.values())).get("type")
    if kind is None:
        raise errors.missing_parameter(f"{path}.type")
    schema.choice(kind, f"{path}.type", list(ITEM_KEYS))
    schema.require_keys(item, path, ITEM_KEYS[kind])
    stored = {
        "id": schema.string(item.get("id") or new_id("item"), f"{path}.id"),
        "object": "realtime.item",
        "type": kind,
        "status": "completed",
    }
    audio = b""
    if kind == "message":
        role = schema.choice(item.get("role"), f"{path}.role", list(PART_TYPES_BY_ROLE))
        stored["role"] = role
        stored["content"], audio = _content(item.get("content"), role, path)
    else:
        required = {"function_call": ("name", "call_id", "arguments")}
        for key in required.get(kind, ("call_id", "output")):
            if key not in item:
                raise errors.missing_parameter(f"{path}.{key}")
            stored[key] = schema.string(item[key], f"{path}.{key}")
    return stored, audio


def response_input(value: Any, path: str) -> list[tuple[dict, bytes]]:
    """Validate `response.create.response.input`: new items and `item_reference`s (by id).

    References are returned as `{"type": "item_reference", "id": ...}` for the session to
    resolve; only the input array may hold them, never `conversation.item.create`.
    """
    if not isinstance(value, list):
        raise errors.invalid_type(path, "an array", value)
    entries = []
    for index, entry in enumerate(value):
        where = f"{path}[{index}]"
        if isinstance(entry, dict) and entry.get("type") == "item_reference":
            schema.require_keys(entry, where, {"type", "id"})
            if "id" not in entry:
                raise errors.missing_parameter(f"{where}.id")
            reference = {"type": "item_reference", "id": schema.string(entry["id"], f"{where}.id")}
            entries.append((reference, b""))
        else:
            entries.append(client_item(entry, where))
    return entries


def _content(parts: Any, role: str, path: str) -> tuple[list[dict], bytes]:
    """Validate message content parts for the role; strip audio, which events never include."""
    if parts is None:
        raise errors.missing_parameter(f"{path}.content")
    if not isinstance(parts, list):
        raise errors.invalid_type(f"{path}.content", "an array", parts)
    content, audio = [], b""
    for index, part in enumerate(parts):
        where = f"{path}.content[{index}]"
        kind = schema.require_keys(part, where, set().union(*PART_KEYS.values())).get("type")
        schema.choice(kind, f"{where}.type", PART_TYPES_BY_ROLE[role])
        schema.require_keys(part, where, PART_KEYS[kind])
        if kind == "input_audio":
            audio += decode_audio(part.get("audio", ""), f"{where}.audio")
            content.append({"type": kind, "transcript": part.get("transcript")})
        elif kind in ("input_text", "output_text"):
            content.append({"type": kind, "text": schema.string(part.get("text"), f"{where}.text")})
        else:
            content.append(dict(part))
    return content, audio


def with_audio(item: dict, audio: bytes) -> dict:
    """Return a copy of `item` whose audio part carries base64 audio (for `item.retrieved`)."""
    copied = {**item}
    if "content" in item:
        copied["content"] = [dict(part) for part in item["content"]]
        for part in copied["content"]:
            if part["type"] in ("input_audio", "output_audio"):
                part["audio"] = base64.b64encode(audio).decode("ascii")
    return copied
