"""Input transcription events for a committed user item (§4.1), built without any I/O."""

from __future__ import annotations

import math

DELTA_PIECES = 3


def transcription_events(
    item_id: str, transcript: str, model: str | None, seconds: float
) -> list[dict]:
    """Return the `.delta` events and the final `.completed` event for one user item."""
    where = {"item_id": item_id, "content_index": 0}
    step = max(1, math.ceil(len(transcript) / DELTA_PIECES))
    events = [
        {
            "type": "conversation.item.input_audio_transcription.delta",
            **where,
            "delta": transcript[start : start + step],
        }
        for start in range(0, len(transcript), step)
    ]
    events.append(
        {
            "type": "conversation.item.input_audio_transcription.completed",
            **where,
            "transcript": transcript,
            "usage": transcription_usage(transcript, model, seconds),
        }
    )
    return events


def transcription_usage(transcript: str, model: str | None, seconds: float) -> dict:
    """Return duration usage for whisper-1 and token usage for the other ASR models."""
    if model == "whisper-1":
        return {"type": "duration", "seconds": round(seconds, 3)}
    audio_tokens, text_tokens = math.ceil(seconds * 10), math.ceil(len(transcript) / 2)
    return {
        "type": "tokens",
        "input_tokens": audio_tokens,
        "output_tokens": text_tokens,
        "total_tokens": audio_tokens + text_tokens,
        "input_token_details": {"text_tokens": 0, "audio_tokens": audio_tokens},
    }
