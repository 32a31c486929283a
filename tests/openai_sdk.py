"""Strict validation of our client events against the `openai` SDK's generated Realtime types.

The SDK's models accept unknown keys (extra="allow"); here any unknown key at any depth fails,
so a misspelt or unsupported field is caught the way the real server would refuse it.
"""

from __future__ import annotations

from openai.types.realtime import SessionUpdateEvent
from pydantic import BaseModel


class UnknownField(AssertionError):
    """A key the SDK's types do not declare."""


def refuse_extras(value, path: str = "") -> None:
    """Raise UnknownField for any key the parsed SDK model did not declare, at any depth."""
    if isinstance(value, BaseModel):
        for key in value.model_extra or {}:
            raise UnknownField(f"{path}.{key}".lstrip("."))
        for name in type(value).model_fields:
            refuse_extras(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            refuse_extras(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_extras(item, f"{path}.{key}")


def validate_session_update(event: dict) -> SessionUpdateEvent:
    """Parse a session.update with the SDK's types (pydantic), refusing unknown fields."""
    parsed = SessionUpdateEvent.model_validate(event)
    refuse_extras(parsed)
    return parsed
