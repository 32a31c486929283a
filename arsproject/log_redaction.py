"""A logging filter that takes secrets out of every line, at every level.

At debug level the websockets client logs each request header, `Authorization: Bearer sk-…`
included; libraries may log URLs with passwords. The filter sits on the handlers, so it sees
every record that is written, whichever logger it came from.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

FILTERED = "[Filtered]"
MIN_SECRET_LENGTH = 6  # shorter configured values would blank out ordinary words
SECRET_SHAPES = (
    re.compile(r"(?i)(\bauthorization\b['\"]?\s*[:=,]\s*['\"]?)[^\r\n'\"]+"),
    re.compile(r"(?i)(\bbearer\s+)[^\s'\",]+"),
    re.compile(r"()sk-[A-Za-z0-9_\-]{8,}"),  # OpenAI keys
    re.compile(r"(://[^/\s:@]+:)[^/\s@]+(?=@)"),  # user:password@ in URLs
    re.compile(r"(?i)(call_token[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+"),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """The text with known secret values and secret-shaped words replaced."""
    for secret in secrets:
        text = text.replace(secret, FILTERED)
    for shape in SECRET_SHAPES:
        text = shape.sub(lambda match: match.group(1) + FILTERED, text)
    return text


class SecretRedactingFilter(logging.Filter):
    """Rewrites each record's message (and traceback) without secrets; never drops a record."""

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = sorted(
            {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True
        )

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's message and exception text by their redacted forms."""
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True
