"""A logging filter that masks personal data in every log line before a handler writes it."""

from __future__ import annotations

import logging

from calls.compliance.redaction import CATEGORIES, find_pii

EMAIL_AT_SIGNS = ("@", "골뱅이", "앳")


def redact_log_message(message: str) -> str:
    """The message with personal numbers and written e-mail addresses masked.

    Log lines and error reports are English text written by our code: there an e-mail is
    written with "@" (or spoken in Korean, "골뱅이"), while the English spoken form the
    redaction module also knows ("kim at naver") would mask ordinary words ("only at info").
    """
    pieces, last = [], 0
    for match in find_pii(message):
        span = message[match.start : match.end]
        if match.category == "email" and not any(at in span for at in EMAIL_AT_SIGNS):
            continue
        pieces += [message[last : match.start], CATEGORIES[match.category]]
        last = match.end
    pieces.append(message[last:])
    return "".join(pieces)


class RedactingFilter(logging.Filter):
    """Replaces the record's message with its redacted form; never drops a record.

    Exception text (tracebacks) is formatted later by the handler and is not rewritten here;
    Sentry gets its own scrubber (arsproject/observability.py).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask phone, resident, card and account numbers and e-mail addresses in the message."""
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it for the handler to report
            return True
        masked = redact_log_message(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
