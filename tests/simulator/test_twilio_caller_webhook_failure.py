"""A voice webhook that fails, hangs or returns bad TwiML fails the call clearly (§1.1)."""

import pytest

from calls.simulator.twilio_caller import CallFailed
from tests.simulator.twilio_fixtures import TRANSPORTS, twilio_server


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_non_2xx_voice_webhook_fails_the_call(transport):
    async with twilio_server(transport, voice_status=500) as server:
        with pytest.raises(CallFailed, match="HTTP 500"):
            await server.caller().dial()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_voice_webhook_that_never_answers_times_out(transport):
    async with twilio_server(transport, hang_voice_webhook=True) as server:
        with pytest.raises(CallFailed, match="no response within 0.2 s"):
            await server.caller(http_timeout_s=0.2).dial()


async def test_malformed_twiml_fails_the_call():
    async with twilio_server("asgi", voice_twiml="<Response><Say>unclosed</Response>") as server:
        with pytest.raises(CallFailed, match="invalid TwiML"):
            await server.caller().dial()


async def test_twiml_without_a_stream_just_ends_the_call():
    twiml = "<Response><Say>Closed today.</Say><Hangup/><Say>never</Say></Response>"
    async with twilio_server("asgi", voice_twiml=twiml) as server:
        call = await server.caller().dial()

    assert call.verbs_before_stream == [("Say", "Closed today.", {}), ("Hangup",)]
    assert call.result.ended_by == "server"
    assert server.fake.requests_to("/twilio/status")[0].params["CallStatus"] == "completed"
