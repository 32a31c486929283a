"""The simulated caller signs webhooks and the stream upgrade as Twilio does (§2.1, §2.4)."""

import pytest
from twilio.request_validator import RequestValidator

from calls.simulator.twilio_caller import CallFailed
from calls.simulator.twilio_requests import sign
from tests.simulator.twilio_fixtures import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    TRANSPORTS,
    dial_and_stream,
    twilio_server,
)

PUBLIC = "https://voice.example.test"


def test_it_reproduces_twilios_documented_signature_test_vector():
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675310",
        "Digits": "1234",
        "From": "+14158675310",
        "To": "+18005551212",
    }
    url = "https://example.com/myapp.php?foo=1&bar=2"
    assert sign("12345", url, params) == "L/OH5YylLD5NRKLltdqwSvS0BnU="


def test_it_signs_the_websocket_url_with_empty_params():
    assert (
        sign("12345", "wss://bridge.example.com/twilio/media", {}) == "hGVJmeOLwZmJhPeWsyRDIvgH8Zc="
    )


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_every_request_verifies_against_the_public_url(transport):
    async with twilio_server(transport, public_base_url=PUBLIC) as server:
        call, stream = await dial_and_stream(server)
        await call.send_silence(100)
        await call.hang_up()

    assert stream.signature_valid
    assert [r.path for r in server.fake.requests] == [
        "/twilio/voice",
        "/twilio/stream-status",
        "/twilio/stream-status",
        "/twilio/status",
    ]
    assert all(r.signature_valid for r in server.fake.requests)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_the_voice_webhook_carries_the_inbound_call_parameters(transport):
    async with twilio_server(transport) as server:
        call, _ = await dial_and_stream(
            server, from_number="+821012345678", to_number="+8215880000"
        )
        await call.hang_up()

    params = server.fake.requests_to("/twilio/voice")[0].params
    assert params["CallSid"] == call.call_sid and len(call.call_sid) == 34
    assert params["AccountSid"] == ACCOUNT_SID
    assert params["From"] == params["Caller"] == "+821012345678"
    assert params["To"] == params["Called"] == "+8215880000"
    assert params["CallStatus"] == "ringing"
    assert params["Direction"] == "inbound"
    assert params["ApiVersion"] == "2010-04-01"
    assert params["FromCountry"] == params["ToCountry"] == "KR"


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_wrong_auth_token_is_rejected_by_the_app(transport):
    async with twilio_server(transport) as server:
        caller = server.caller(auth_token="not-" + AUTH_TOKEN)
        with pytest.raises(CallFailed, match="HTTP 403"):
            await caller.dial()

    assert not server.fake.requests_to("/twilio/voice")[0].signature_valid


def test_the_fake_uses_the_sdk_validator():
    # Guard: the fixture's checks are the SDK's, not a re-implementation.
    assert RequestValidator(AUTH_TOKEN).validate(
        "wss://x.test/twilio/media", {}, sign(AUTH_TOKEN, "wss://x.test/twilio/media", {})
    )
