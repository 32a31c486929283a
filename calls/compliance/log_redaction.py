"""Masking for text our code writes (log lines, error reports), and a logging filter using it."""

from __future__ import annotations

import logging

from calls.compliance.redaction import ALL_CATEGORIES, CATEGORIES, find_pii

EMAIL_AT_SIGNS = ("@", "골뱅이", "앳")


def mask_text(
    text: str, categories: frozenset[str] = ALL_CATEGORIES, caller_number: str = ""
) -> str:
    """The text with each piece of personal data replaced by its category's label.

    For text our code writes (English log lines, exception messages) an e-mail counts only
    when written with "@" or spoken the Korean way ("골뱅이", "앳"): an English "at" there
    is a word ("retry 2/3 at startup"), never an address a caller read out.
    """
    if not text:
        return text
    pieces, last = [], 0
    for match in find_pii(text, categories, caller_number):
        span = text[match.start : match.end]
        if match.category == "email" and not any(at in span for at in EMAIL_AT_SIGNS):
            continue
        pieces += [text[last : match.start], CATEGORIES[match.category]]
        last = match.end
    pieces.append(text[last:])
    return "".join(pieces)


class RedactingFilter(logging.Filter):
    """Replaces the record's message with its masked form; never drops a record.

    Exception text (tracebacks) is formatted later by the handler and is not rewritten here;
    Sentry gets its own scrubber (arsproject/observability.py).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask phone, resident, card and account numbers and e-mail addresses in the message."""
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it for the handler to report
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
