"""The Realtime price table: defaults with the date they were read, overridable by environment."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ImproperlyConfigured

# USD per 1,000,000 tokens, read from the model pages of https://developers.openai.com/api/docs/models
# on PRICES_TAKEN_ON (the retiring gpt-realtime and gpt-realtime-mini as listed before).
PRICES_TAKEN_ON = "2026-12-06"
_FULL = {"text_input": "4.00", "cached_text_input": "0.40", "audio_input": "32.00"}
_MINI = {
    "text_input": "0.60",
    "cached_text_input": "0.06",
    "audio_input": "10.00",
    "cached_audio_input": "0.30",
    "text_output": "2.40",
    "audio_output": "20.00",
}
DEFAULT_PRICES = {
    "gpt-realtime-2.1": {
        **_FULL,
        "cached_audio_input": "0.40",
        "text_output": "24.00",
        "audio_output": "64.00",
    },
    "gpt-realtime-2": {
        **_FULL,
        "cached_audio_input": "0.40",
        "text_output": "24.00",
        "audio_output": "64.00",
    },
    "gpt-realtime-2.1-mini": dict(_MINI),
    "gpt-realtime-1.5": {
        **_FULL,
        "cached_audio_input": "0.40",
        "text_output": "16.00",
        "audio_output": "64.00",
    },
    "gpt-realtime": {
        **_FULL,
        "cached_audio_input": "0.40",
        "text_output": "16.00",
        "audio_output": "64.00",
    },
    "gpt-realtime-mini": dict(_MINI),
}
PRICE_KEYS = tuple(DEFAULT_PRICES["gpt-realtime"])


def price_table(name: str, raw: str | None) -> dict[str, dict[str, str]]:
    """The defaults, with the models in `raw` (JSON: {model: {key: price}}) added or replaced."""
    table = {model: dict(row) for model, row in DEFAULT_PRICES.items()}
    if not raw:
        return table
    try:
        given = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ImproperlyConfigured(f"{name} is not JSON: {error.msg}") from error
    if not isinstance(given, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object of models")
    for model, row in given.items():
        table[model] = checked_row(name, model, row)
    return table


def checked_row(name: str, model: str, row) -> dict[str, str]:
    """One model's prices, every key present and a non-negative number."""
    if not isinstance(row, dict) or set(row) != set(PRICE_KEYS):
        keys = ", ".join(PRICE_KEYS)
        raise ImproperlyConfigured(f"{name}: {model} needs exactly the keys {keys}")
    checked = {}
    for key, value in row.items():
        try:
            price = Decimal(str(value))
        except InvalidOperation as error:
            raise ImproperlyConfigured(f"{name}: {model}.{key} is not a number") from error
        if not price.is_finite() or price < 0:
            raise ImproperlyConfigured(f"{name}: {model}.{key} must be zero or more")
        checked[key] = str(price)
    return checked
