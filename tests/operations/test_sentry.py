"""Errors reach Sentry when SENTRY_DSN is set, and no secret or phone number goes with them."""

import json

import pytest
import sentry_sdk
from django.conf import settings
from django.test import Client
from sentry_sdk.transport import Transport

from arsproject.observability import FILTERED, Scrubber, init_sentry
from tests.foundation.test_configuration import STRONG_SECRET_KEY, start_settings

DSN = "https://public@sentry.example.test/1"
CALL_TOKEN = "Tq8mYbq0w3tZ3M5j4e8pXkQ2"


class CapturingTransport(Transport):
    """Keeps what Sentry would send instead of sending it (no network)."""

    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope) -> None:
        """Keep the envelope."""
        self.envelopes.append(envelope)

    @property
    def events(self) -> list[dict]:
        """The error events captured so far."""
        return [e.get_event() for e in self.envelopes if e.get_event() is not None]


@pytest.fixture
def sentry_events():
    """Sentry initialised as settings would do it, but capturing into a list."""
    transport = CapturingTransport()
    init_sentry(
        DSN,
        "staging",
        secrets=(settings.TWILIO_AUTH_TOKEN, settings.OPENAI_API_KEY, settings.SECRET_KEY),
        transport=transport,
    )
    yield transport
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: reporting off again for the other tests


def secrets_in(event: dict) -> list[str]:
    """Which secret values appear anywhere in the serialised event."""
    text = json.dumps(event, ensure_ascii=False)
    known = [settings.TWILIO_AUTH_TOKEN, settings.OPENAI_API_KEY, CALL_TOKEN, "+821012345678"]
    return [secret for secret in known if secret in text]


def test_an_exception_is_captured_with_secrets_scrubbed(sentry_events):
    openai_api_key = settings.OPENAI_API_KEY  # a local variable Sentry would attach
    try:
        raise ValueError(f"OpenAI refused {openai_api_key} for +821012345678")
    except ValueError:
        sentry_sdk.capture_exception()
    sentry_sdk.flush()
    (event,) = sentry_events.events
    assert event["exception"]["values"][0]["type"] == "ValueError"
    assert event["environment"] == "staging"
    assert secrets_in(event) == []


def test_a_failing_request_is_reported_without_its_token_or_phone_numbers(settings, sentry_events):
    settings.ROOT_URLCONF = "tests.operations.crash_urls"
    client = Client(raise_request_exception=False)
    response = client.post(
        "/crash",
        {"call_token": CALL_TOKEN, "From": "+821012345678", "CallSid": "CA" + "1" * 32},
        HTTP_AUTHORIZATION=f"Bearer {settings.OPENAI_API_KEY}",
        HTTP_X_TWILIO_SIGNATURE="c2lnbmF0dXJl",
    )
    assert response.status_code == 500
    sentry_sdk.flush()
    (event,) = sentry_events.events
    assert "could not verify" in json.dumps(event)
    assert event["request"]["data"]["CallSid"] == "CA" + "1" * 32  # kept: it is how we debug
    assert secrets_in(event) == []
    assert "user" not in event or "ip_address" not in event["user"]  # send_default_pii=False


def test_the_scrubber_replaces_secrets_by_key_by_value_and_by_shape():
    scrub = Scrubber(["twilio-auth-0123456789", "tiny"])
    event = {
        "extra": {"TWILIO_AUTH_TOKEN": "anything", "To": "+8215880000", "turns": 3},
        "message": "auth twilio-auth-0123456789 key sk-proj-abcdefghijkl, tiny stays",
        "breadcrumbs": {
            "values": [{"message": "postgres://ars:hunter22@db/ars and Bearer abc.def"}]
        },
        "frames": [{"vars": {"text": '{"call_token": "q1w2e3r4t5"}'}}],
    }
    clean = scrub(event, {})
    assert clean["extra"] == {"TWILIO_AUTH_TOKEN": FILTERED, "To": FILTERED, "turns": 3}
    assert clean["message"] == f"auth {FILTERED} key {FILTERED}, tiny stays"
    breadcrumb = clean["breadcrumbs"]["values"][0]["message"]
    assert "hunter22" not in breadcrumb and "abc.def" not in breadcrumb
    assert "q1w2e3r4t5" not in clean["frames"][0]["vars"]["text"]


SENTRY_STATE = (
    "(lambda c: (c.is_active(), c.options['environment'], c.options['send_default_pii']))"
    "(__import__('sentry_sdk').get_client())"
)


def test_settings_turn_sentry_on_only_when_the_dsn_is_set():
    staging = {"SENTRY_DSN": DSN, "ENVIRONMENT": "staging", "SECRET_KEY": STRONG_SECRET_KEY}
    on = start_settings(staging, expr=SENTRY_STATE)
    off = start_settings({"SENTRY_DSN": ""}, expr=SENTRY_STATE)
    assert on.returncode == 0 and off.returncode == 0, on.stderr + off.stderr
    assert "(True, 'staging', False)" in on.stdout
    assert "(False," in off.stdout


def test_a_malformed_dsn_stops_start_up_naming_the_variable():
    result = start_settings({"SENTRY_DSN": "not-a-dsn-secretkey"})
    assert result.returncode != 0
    assert "invalid SENTRY_DSN" in result.stderr
    assert "secretkey" not in result.stderr
