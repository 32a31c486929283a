"""X-Twilio-Signature checks for webhooks and the media-stream upgrade (via the twilio SDK)."""

from __future__ import annotations

from django.conf import settings
from twilio.request_validator import RequestValidator


class TwilioNotConfigured(Exception):
    """TWILIO_AUTH_TOKEN is unset: nothing from Twilio can be verified, so nothing is accepted."""


def signature_is_valid(url: str, params, signature: str | None) -> bool:
    """Whether Twilio signed this exact public URL and these form parameters."""
    if not settings.TWILIO_AUTH_TOKEN:
        raise TwilioNotConfigured("TWILIO_AUTH_TOKEN is not set")
    if not signature:
        return False
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, params, signature)


def public_url(path: str) -> str:
    """The URL Twilio called: the configured public base, never what the proxy shows us."""
    return f"{settings.APP_PUBLIC_BASE_URL}{path}"
