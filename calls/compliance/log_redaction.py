"""A logging filter that masks personal data in every log line before a handler writes it."""

from __future__ import annotations

import logging

from calls.compliance.policy import mask_text


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
