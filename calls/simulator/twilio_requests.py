"""Twilio's webhook requests: SIDs, form parameters, signatures, public→local routing (pure)."""

from __future__ import annotations

import math
import secrets
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlencode, urlsplit, urlunsplit

from twilio.request_validator import RequestValidator

USER_AGENT = "TwilioProxy/1.1"  # what Twilio's webhook requests carry

# E.164 prefixes the simulator knows how to geolocate; Twilio sends the fields empty otherwise.
_COUNTRY_PREFIXES = {"+82": "KR", "+1": "US", "+44": "GB", "+81": "JP"}


def new_sid(prefix: str) -> str:
    """Return a fresh Twilio SID: the two-letter prefix plus 32 hex characters."""
    return prefix + secrets.token_hex(16)


def country_of(number: str) -> str:
    """Return the ISO country of an E.164 number, or "" when unknown."""
    for prefix, country in _COUNTRY_PREFIXES.items():
        if number.startswith(prefix):
            return country
    return ""


def call_params(
    call_sid: str, account_sid: str, from_number: str, to_number: str, call_status: str
) -> dict[str, str]:
    """Return the parameters Twilio sends on every TwiML request for an inbound call (§1.1)."""
    params = {
        "CallSid": call_sid,
        "AccountSid": account_sid,
        "From": from_number,
        "To": to_number,
        "Caller": from_number,
        "Called": to_number,
        "CallStatus": call_status,
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }
    for side, number in (("From", from_number), ("To", to_number)):
        alias = "Caller" if side == "From" else "Called"
        for field in ("City", "State", "Zip"):
            params[side + field] = params[alias + field] = ""
        params[side + "Country"] = params[alias + "Country"] = country_of(number)
    return params


def completed_params(base: dict[str, str], duration_s: int, now: datetime | None = None) -> dict:
    """Return the terminal status-callback parameters (§1.5): CallStatus=completed and durations."""
    return {
        **base,
        "CallStatus": "completed",
        "CallDuration": str(duration_s),
        "Duration": str(math.ceil(duration_s / 60)),
        "Timestamp": format_datetime(now or datetime.now(UTC)),
        "CallbackSource": "call-progress-events",
        "SequenceNumber": "0",
    }


def stream_event_params(
    account_sid: str, call_sid: str, stream_sid: str, name: str | None, event: str, error: str = ""
) -> dict[str, str]:
    """Return a <Stream statusCallback> request's parameters (§1.3)."""
    params = {
        "AccountSid": account_sid,
        "CallSid": call_sid,
        "StreamSid": stream_sid,
        "StreamName": name or stream_sid,
        "StreamEvent": event,
        "Timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    if error:
        params["StreamError"] = error
    return params


def sign(auth_token: str, url: str, params: dict[str, str]) -> str:
    """Return X-Twilio-Signature for url and form params, computed by the twilio SDK."""
    return RequestValidator(auth_token).compute_signature(url, params)


def with_query(url: str, params: dict[str, str]) -> str:
    """Return url with params appended to its query string (how Twilio sends a GET webhook)."""
    return url + ("&" if urlsplit(url).query else "?") + urlencode(params)


def _origin(url: str) -> tuple[str | None, int]:
    parts = urlsplit(url)
    secure = parts.scheme in {"https", "wss"}
    return parts.hostname, parts.port or (443 if secure else 80)


class Router:
    """Maps the public URLs Twilio signs onto the local base URL requests actually go to."""

    def __init__(self, base_url: str, public_base_url: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.public_base_url = (public_base_url or base_url).rstrip("/")

    def public(self, path: str) -> str:
        """Return the public URL Twilio believes it requests for a path."""
        return self.public_base_url + path

    def route(self, url: str) -> str:
        """Return where to send a request for `url`: rebased when it points at the public host."""
        if _origin(url) != _origin(self.public_base_url):
            return url
        base = urlsplit(self.base_url)
        parts = urlsplit(url)
        scheme = base.scheme
        if parts.scheme in {"ws", "wss"}:
            scheme = "wss" if base.scheme == "https" else "ws"
        return urlunsplit((scheme, base.netloc, parts.path, parts.query, parts.fragment))
