"""Plausible token usage for `response.done` whose details always add up (§4.2, §11.4).

Invariants: input = text + audio + image, cached ≤ input per modality, cached tokens equal the
sum of their details, output = text + audio, total = input + output.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

# Rough token rates: audio in 10/s, audio out 20/s, Korean text two characters a token.
INPUT_AUDIO_MS_PER_TOKEN = 100
OUTPUT_AUDIO_MS_PER_TOKEN = 50
TEXT_CHARS_PER_TOKEN = 2
CACHE_BLOCK_TOKENS = 64  # prompt caching reuses a prefix in whole blocks
MODALITIES = ("text_tokens", "audio_tokens", "image_tokens")


def text_tokens(chars: int) -> int:
    """Estimate tokens for `chars` characters of text."""
    return math.ceil(chars / TEXT_CHARS_PER_TOKEN)


def output_audio_tokens(audio_ms: float) -> int:
    """Estimate tokens for `audio_ms` of generated audio."""
    return math.ceil(audio_ms / OUTPUT_AUDIO_MS_PER_TOKEN)


def context_tokens(instructions: str, items: Iterable[dict], input_ms: dict[str, float]) -> dict:
    """Return the per-modality input tokens of a context: instructions, item texts, user audio."""
    chars, audio_ms = len(instructions), 0.0
    for item in items:
        for part in item.get("content", []):
            chars += len(part.get("text") or part.get("transcript") or "")
        chars += len(item.get("arguments") or "") + len(item.get("output") or "")
        audio_ms += input_ms.get(item["id"], 0.0)
    return {
        "text_tokens": text_tokens(chars),
        "audio_tokens": math.ceil(audio_ms / INPUT_AUDIO_MS_PER_TOKEN),
        "image_tokens": 0,
    }


def cached_part(previous: dict | None, current: dict) -> dict:
    """Return cached tokens per modality: the previous context's prefix, in whole blocks.

    The prefix is counted text first (instructions lead the context), and never exceeds what
    either context holds of a modality, so cached ≤ input holds for each one.
    """
    if previous is None:
        return dict.fromkeys(MODALITIES, 0)
    shared = {key: min(previous[key], current[key]) for key in MODALITIES}
    budget = sum(shared.values()) // CACHE_BLOCK_TOKENS * CACHE_BLOCK_TOKENS
    cached = {}
    for key in MODALITIES:
        cached[key] = min(shared[key], budget)
        budget -= cached[key]
    return cached


def response_usage(context: dict, cached: dict, out_text_tokens: int, out_audio_ms: float) -> dict:
    """Return the GA `usage` object of `response.done`."""
    input_tokens = sum(context[key] for key in MODALITIES)
    audio_out = output_audio_tokens(out_audio_ms)
    output_tokens = out_text_tokens + audio_out
    return {
        "total_tokens": input_tokens + output_tokens,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "input_token_details": {
            **{key: context[key] for key in MODALITIES},
            "cached_tokens": sum(cached.values()),
            "cached_tokens_details": dict(cached),
        },
        "output_token_details": {"text_tokens": out_text_tokens, "audio_tokens": audio_out},
    }
