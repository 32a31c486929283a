"""Validators for a profile's model choices, keywords and languages (messages in Korean)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from prompts import clock
from prompts.model_catalog import (
    MAX_EXTRA_LANGUAGES,
    MAX_KEYWORD_LENGTH,
    MAX_KEYWORDS,
    REALTIME_MODELS,
    TRANSCRIPTION_MODELS,
    retirement,
)

LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")
CUSTOM_VOICE_ID = re.compile(r"^voice_[A-Za-z0-9_-]{1,100}$")


def refuse_unusable_model(model: str, supported: list[str]) -> None:
    """Refuse a retired model, or one outside `supported`, naming its shutdown date if any."""
    ending = retirement(model, clock.today())
    if ending is not None and ending.retired:
        raise ValidationError(
            _("%(model)s was shut down by OpenAI on %(date)s and cannot be chosen."),
            code="retired_model",
            params={"model": model, "date": ending.shutdown.isoformat()},
        )
    if model in supported:
        return
    if ending is not None:
        raise ValidationError(
            _("%(model)s shuts down on %(date)s and cannot be chosen. Choose one of: %(choices)s."),
            code="retiring_model",
            params={
                "model": model,
                "date": ending.shutdown.isoformat(),
                "choices": ", ".join(supported),
            },
        )
    raise ValidationError(
        _("%(model)s is not a supported model. Choose one of: %(choices)s."),
        code="unsupported_model",
        params={"model": model, "choices": ", ".join(supported)},
    )


def validate_realtime_model(value: str) -> None:
    """A Realtime model from the supported list that has not been shut down."""
    refuse_unusable_model(value, REALTIME_MODELS)


def validate_transcription_model(value: str) -> None:
    """A transcription model from the supported list that has not been shut down."""
    refuse_unusable_model(value, TRANSCRIPTION_MODELS)


def keyword_list(text: str) -> list[str]:
    """The keywords written one per line (surrounding blank lines ignored)."""
    text = (text or "").strip()
    return [line.strip() for line in text.splitlines()] if text else []


def validate_keywords(text: str) -> None:
    """One keyword per line: no empty lines, no repeats, within our count and length limits."""
    keywords = keyword_list(text)
    if len(keywords) > MAX_KEYWORDS:
        raise ValidationError(
            _("Enter at most %(limit)d keywords (got %(count)d)."),
            code="too_many_keywords",
            params={"limit": MAX_KEYWORDS, "count": len(keywords)},
        )
    seen = set()
    for number, keyword in enumerate(keywords, start=1):
        if not keyword:
            raise ValidationError(
                _("Line %(line)d is empty: write one keyword per line, without blank lines."),
                code="empty_keyword",
                params={"line": number},
            )
        if len(keyword) > MAX_KEYWORD_LENGTH:
            raise ValidationError(
                _("Line %(line)d is longer than %(limit)d characters."),
                code="long_keyword",
                params={"line": number, "limit": MAX_KEYWORD_LENGTH},
            )
        if keyword in seen:
            raise ValidationError(
                _("Line %(line)d repeats the keyword %(keyword)s."),
                code="repeated_keyword",
                params={"line": number, "keyword": keyword},
            )
        seen.add(keyword)


def language_list(text: str) -> list[str]:
    """Language codes separated by commas or spaces, in order, without repeats."""
    codes = [code.strip().lower() for code in re.split(r"[\s,]+", text or "") if code.strip()]
    return list(dict.fromkeys(codes))


def validate_extra_languages(text: str) -> None:
    """Two-letter ISO-639-1 codes, at most MAX_EXTRA_LANGUAGES of them."""
    codes = language_list(text)
    for code in codes:
        if not LANGUAGE_CODE.match(code):
            raise ValidationError(
                _("%(code)s is not a two-letter ISO-639-1 language code (for example en, ja)."),
                code="bad_language",
                params={"code": code},
            )
    if len(codes) > MAX_EXTRA_LANGUAGES:
        raise ValidationError(
            _("Enter at most %(limit)d extra languages."),
            code="too_many_languages",
            params={"limit": MAX_EXTRA_LANGUAGES},
        )


def validate_custom_voice_id(value: str) -> None:
    """A custom voice id as OpenAI issues them: voice_ followed by letters and digits."""
    if not CUSTOM_VOICE_ID.match(value):
        raise ValidationError(_("A custom voice id looks like voice_1234."), code="bad_voice_id")
