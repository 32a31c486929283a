"""Error reporting to Sentry, with every secret and personal number scrubbed before it leaves.

Called from settings when SENTRY_DSN is set. Sentry's own scrubber knows generic names
("password", "token"); ours also knows this service's secrets by value (the Twilio auth token,
the OpenAI key, ...), so a secret that ends up in a message, a local variable's repr or a log
breadcrumb is replaced too, and it drops the callers' phone numbers from webhook bodies.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable

import sentry_sdk
from django.core.exceptions import ImproperlyConfigured
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.utils import BadDsn

from calls.compliance.log_redaction import mask_text

FILTERED = "[Filtered]"
MIN_SECRET_LENGTH = 6  # shorter values would blank out ordinary words
SECRET_KEY_PARTS = re.compile(
    r"token|secret|passw|api_?key|auth|signature|cookie|session|csrf|dsn|credential|"
    r"database_url|redis_url",
    re.IGNORECASE,
)
# Twilio's webhook form fields and our own names that hold a caller's or callee's number.
PHONE_KEYS = {"from", "to", "caller", "called", "forwardedfrom", "from_number", "to_number"}
SECRET_PATTERNS = (
    re.compile(r"sk-[A-Za-z0-9_\-]{8,}"),  # OpenAI keys
    re.compile(r"(?i)\bbearer\s+[^\s'\",]+"),
    re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"),  # user:password@ in URLs
    re.compile(r"\+[1-9][0-9]{7,14}\b"),  # E.164 phone numbers
    re.compile(r"(?i)(?<=call_token)([\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+"),
)

# In frame variables, any long random-looking word (an API token, a call token, a key) is
# treated as a secret whatever the variable is called; Twilio SIDs are ids, kept for debugging.
TOKEN_SHAPE = re.compile(
    r"(?<![A-Za-z0-9_\-])"
    r"(?!(?:CA|AC|MZ|SK|PN|RE|SM)[0-9a-f]{32}(?![A-Za-z0-9_\-]))"
    r"(?=[A-Za-z0-9_\-]*[0-9])(?=[A-Za-z0-9_\-]*[A-Za-z])"
    r"[A-Za-z0-9_\-]{24,}(?![A-Za-z0-9_\-])"
)


class Scrubber:
    """A Sentry before_send hook: replaces secrets by key, by value and by shape."""

    def __init__(self, secrets: Iterable[str]):
        self.secrets = sorted(
            {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True
        )

    def __call__(self, event: dict, hint: dict | None = None) -> dict:
        """Return the event with nothing secret left in it."""
        for frame in stack_frames(event):
            if isinstance(frame.get("vars"), dict):
                frame["vars"] = self.clean_frame_vars(frame["vars"])
        return self.clean(event)

    def clean_frame_vars(self, variables):
        """Frame variables with token-shaped words replaced, whatever the variables' names."""
        if isinstance(variables, dict):
            return {key: self.clean_frame_vars(value) for key, value in variables.items()}
        if isinstance(variables, list | tuple):
            return [self.clean_frame_vars(value) for value in variables]
        if isinstance(variables, str):
            return TOKEN_SHAPE.sub(FILTERED, variables)
        return variables

    def clean(self, value):
        """Scrub one value of the event, recursively."""
        if isinstance(value, dict):
            return {key: self.clean_item(key, item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.clean(item) for item in value]
        if isinstance(value, str):
            return self.clean_text(value)
        return value

    def clean_item(self, key, value):
        """A value under a key: dropped whole when the key names a secret or a phone number."""
        name = str(key)
        if SECRET_KEY_PARTS.search(name) or name.lower() in PHONE_KEYS:
            return FILTERED if value not in (None, "", [], {}) else value
        return self.clean(value)

    def clean_text(self, text: str) -> str:
        """Replace known secret values and secret-shaped substrings in free text."""
        for secret in self.secrets:
            text = text.replace(secret, FILTERED)
        for pattern in SECRET_PATTERNS:
            if pattern.groups:
                text = pattern.sub(lambda m: m.group(1) + FILTERED, text)
            else:
                text = pattern.sub(FILTERED, text)
        return mask_text(text)  # what callers said: phone, RRN, card, account, e-mail


def stack_frames(event: dict) -> list[dict]:
    """Every stack frame of an event: its exceptions' and its threads' stack traces."""
    frames = []
    for section in ("exception", "threads"):
        for value in (event.get(section) or {}).get("values") or []:
            frames.extend(((value or {}).get("stacktrace") or {}).get("frames") or [])
    return [frame for frame in frames if isinstance(frame, dict)]


def init_sentry(dsn: str, environment: str, secrets: Iterable[str], transport=None) -> None:
    """Start reporting errors to Sentry (no personal data, secrets scrubbed)."""
    try:
        with warnings.catch_warnings():
            # This SDK deprecates send_default_pii for data_collection, whose defaults collect
            # more; the explicit False is the intent, so only its deprecation notice is silenced.
            warnings.filterwarnings("ignore", "The send_default_pii option", DeprecationWarning)
            sentry_sdk.init(
                dsn=dsn,
                environment=environment,
                integrations=[DjangoIntegration()],
                send_default_pii=False,
                before_send=Scrubber(secrets),
                transport=transport,
            )
    except BadDsn:  # the message may quote the DSN, which holds a key: never echo it
        raise ImproperlyConfigured(
            "환경 변수 SENTRY_DSN 설정 오류 / invalid SENTRY_DSN: "
            "expected https://<key>@<host>/<project>"
        ) from None
