"""A refused WebSocket upgrade is warning 31920; the call then follows handshake_fail_behavior."""

import pytest

from tests.simulator.twilio_fixtures import TRANSPORTS, twilio_server

TWIML = """<Response>
  <Connect action="{public}/twilio/after-stream">
    <Stream url="{stream_url}" statusCallback="{public}/twilio/stream-status"/>
  </Connect>
  <Say>Fallback after a failed stream.</Say>
</Response>"""


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_refused_upgrade_warns_31920_and_runs_the_next_verb(transport):
    async with twilio_server(transport, voice_twiml=TWIML, refuse_stream=True) as server:
        call = await server.caller().dial()

    assert [code for code, _ in call.warnings] == [31920]
    assert "403" in call.warnings[0][1]
    assert call.stream_sid is None
    assert call.verbs_before_stream[-1] == ("Say", "Fallback after a failed stream.", {})
    assert call.result.ended_by == "server"
    assert await call.hang_up() is call.result
    stream_events = server.fake.requests_to("/twilio/stream-status")
    assert [e.params["StreamEvent"] for e in stream_events] == ["stream-error"]
    assert "StreamError" in stream_events[0].params


async def test_the_behaviour_after_a_refused_upgrade_is_configurable():
    async with twilio_server("asgi", voice_twiml=TWIML, refuse_stream=True) as server:
        hung_up = await server.caller(handshake_fail_behavior="hangup").dial()
        via_action = await server.caller(handshake_fail_behavior="action").dial()

    assert hung_up.verbs_before_stream[-1][0] == "Connect"
    assert via_action.verbs_before_stream[-1] == ("Hangup",)
    assert len(server.fake.requests_to("/twilio/after-stream")) == 1


async def test_an_unreachable_stream_host_is_a_handshake_failure_too():
    twiml = '<Response><Connect><Stream url="ws://127.0.0.1:9/twilio/media"/></Connect></Response>'
    async with twilio_server("network", voice_twiml=twiml) as server:
        call = await server.caller().dial()

    assert [code for code, _ in call.warnings] == [31920]
