"""What a call cost, from the `usage` of its `response.done` events (pure: no Django, no I/O).

Prices are per 1,000,000 tokens. OpenAI reports cached input tokens inside the input counts
(`input_token_details.text_tokens` includes `cached_tokens_details.text_tokens`), so a cached
token is billed once, at the cached price, and the rest of its modality at the full price.
Without `cached_tokens_details` the cached tokens are taken as text (instructions and history).
Without `input_token_details` / `output_token_details` the totals are taken as text.
"""

from __future__ import annotations

import re
from decimal import Decimal

PRICE_KEYS = (
    "text_input",
    "cached_text_input",
    "audio_input",
    "cached_audio_input",
    "text_output",
    "audio_output",
)
PER_TOKENS = Decimal(1_000_000)
DATED_SUFFIX = re.compile(r"-\d{4}-\d{2}-\d{2}$")
USAGE_KEYS = (
    "input_text",
    "input_audio",
    "cached_text",
    "cached_audio",
    "output_text",
    "output_audio",
)


def empty_usage() -> dict[str, int]:
    """Token counts of a call before its first response."""
    return dict.fromkeys(USAGE_KEYS, 0)


def count(value) -> int:
    """A token count from the wire: a non-negative int, anything else 0."""
    return value if isinstance(value, int) and value > 0 else 0


def usage_counts(usage: dict | None) -> dict[str, int]:
    """One `response.done` usage as flat counts; the cached counts are part of the inputs."""
    usage = usage or {}
    counts = empty_usage()
    inputs = usage.get("input_token_details")
    if isinstance(inputs, dict):
        counts["input_text"] = count(inputs.get("text_tokens"))
        counts["input_audio"] = count(inputs.get("audio_tokens"))
        cached = inputs.get("cached_tokens_details")
        if isinstance(cached, dict):
            counts["cached_text"] = count(cached.get("text_tokens"))
            counts["cached_audio"] = count(cached.get("audio_tokens"))
        else:
            counts["cached_text"] = count(inputs.get("cached_tokens"))
    else:
        counts["input_text"] = count(usage.get("input_tokens"))
    outputs = usage.get("output_token_details")
    if isinstance(outputs, dict):
        counts["output_text"] = count(outputs.get("text_tokens"))
        counts["output_audio"] = count(outputs.get("audio_tokens"))
    else:
        counts["output_text"] = count(usage.get("output_tokens"))
    # A cached token is also an input token of its modality: never more cached than input.
    counts["cached_text"] = min(counts["cached_text"], counts["input_text"])
    counts["cached_audio"] = min(counts["cached_audio"], counts["input_audio"])
    return counts


def add_usage(total: dict[str, int], usage: dict | None) -> dict[str, int]:
    """The running counts of a call with one more `response.done` usage added."""
    counts = usage_counts(usage)
    return {key: int(total.get(key, 0)) + counts[key] for key in USAGE_KEYS}


def prices_for(model: str, table: dict[str, dict]) -> dict[str, Decimal] | None:
    """The price row of a model (a dated snapshot falls back to its family), or None."""
    row = table.get(model) or table.get(DATED_SUFFIX.sub("", model or ""))
    if row is None:
        return None
    return {key: Decimal(str(row[key])) for key in PRICE_KEYS}


def cost_of(counts: dict[str, int], prices: dict[str, Decimal]) -> Decimal:
    """The cost of accumulated counts at these per-1M-token prices (6 decimal places)."""
    uncached_text = counts.get("input_text", 0) - counts.get("cached_text", 0)
    uncached_audio = counts.get("input_audio", 0) - counts.get("cached_audio", 0)
    total = (
        uncached_text * prices["text_input"]
        + counts.get("cached_text", 0) * prices["cached_text_input"]
        + uncached_audio * prices["audio_input"]
        + counts.get("cached_audio", 0) * prices["cached_audio_input"]
        + counts.get("output_text", 0) * prices["text_output"]
        + counts.get("output_audio", 0) * prices["audio_output"]
    )
    return (total / PER_TOKENS).quantize(Decimal("0.000001"))
