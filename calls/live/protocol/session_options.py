"""The per-profile parts of the GA session: transcription, voice, reasoning and truncation.

Pure: what each model accepts comes from prompts.model_catalog (read from the openai SDK).
"""

from __future__ import annotations

from prompts.model_catalog import is_reasoning_model, transcription_features
from prompts.snapshot import CallConfig


def transcription(config: CallConfig) -> dict:
    """audio.input.transcription: Korean first, plus the profile's languages and keywords.

    gpt-transcribe and gpt-live-transcribe take `languages` and `keywords`; gpt-realtime-whisper
    takes one `language` and a `delay`, and no `prompt`; older models (kept only in snapshots
    of old calls) take one `language` and get the keywords as their `prompt`.
    """
    model = config.transcription_model
    features = transcription_features(model)
    languages = list(dict.fromkeys([config.transcription_language, *config.extra_languages]))
    result: dict = {"model": model}
    if features.languages:
        result["languages"] = languages
        if config.keywords:
            result["keywords"] = list(config.keywords)
    else:
        result["language"] = config.transcription_language
    if features.delay:
        result["delay"] = config.transcription_delay
    if features.prompt and config.keywords:
        result["prompt"] = ", ".join(config.keywords)
    return result


def output_voice(config: CallConfig) -> str | dict:
    """audio.output.voice: the custom voice object when one is set, else the built-in name."""
    if config.custom_voice_id:
        return {"id": config.custom_voice_id}
    return config.voice


def model_options(config: CallConfig) -> dict:
    """Top-level session keys that depend on the model: reasoning and truncation."""
    options: dict = {
        "truncation": {
            "type": "retention_ratio",
            "retention_ratio": config.truncation_retention_ratio,
        }
    }
    if is_reasoning_model(config.model):
        options["reasoning"] = {"effort": config.reasoning_effort}
    return options
