"""A server close ends <Connect>: warning 31921, then its action TwiML or the next verb."""

import pytest

from tests.simulator.twilio_fixtures import TRANSPORTS, dial_and_stream, twilio_server

APOLOGY = "죄송합니다. 상담원에게 연결해 드리겠습니다."
TRANSFER_TWIML = f"""<Response>
  <Say language="ko-KR">{APOLOGY}</Say>
  <Dial>+821099998888</Dial>
  <Hangup/>
</Response>"""


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_the_caller_follows_the_connect_action_twiml(transport):
    async with twilio_server(transport, action_twiml=TRANSFER_TWIML) as server:
        call, stream = await dial_and_stream(server)
        await call.send_speech(200)
        await stream.close()
        result = await call.wait_until_ended()

    assert result.verbs == [
        ("Say", APOLOGY, {"language": "ko-KR"}),
        ("Dial", "+821099998888", {}),
        ("Hangup",),
    ]
    assert result.ended_by == "server"
    assert result.outcome == "transferred"
    assert result.transferred_to == "+821099998888"
    assert [code for code, _ in call.warnings] == [31921]
    action = server.fake.requests_to("/twilio/after-stream")[0]
    assert action.signature_valid and action.method == "POST"
    assert action.params["CallSid"] == call.call_sid
    assert action.params["CallStatus"] == "in-progress"
    assert server.fake.requests[-1].path == "/twilio/status"


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_get_action_is_signed_over_its_query_string(transport):
    twiml = """<Response><Connect action="{public}/twilio/after-stream" method="GET">
      <Stream url="{stream_url}"/></Connect></Response>"""
    async with twilio_server(transport, voice_twiml=twiml) as server:
        call, stream = await dial_and_stream(server)
        await stream.close()
        result = await call.wait_until_ended()

    action = server.fake.requests_to("/twilio/after-stream")[0]
    assert action.method == "GET" and action.signature_valid
    assert action.params["CallSid"] == call.call_sid
    assert result.verbs == [("Hangup",)]


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_without_an_action_the_next_verb_runs(transport):
    twiml = """<Response><Connect><Stream url="{stream_url}"/></Connect>
      <Say>Goodbye.</Say><Pause length="2"/></Response>"""
    async with twilio_server(transport, voice_twiml=twiml) as server:
        call, stream = await dial_and_stream(server)
        await stream.close()
        await call.wait_for(lambda c: c.server_closed)
        closed_at = call.now_ms
        result = await call.wait_until_ended()

    assert result.verbs == [("Say", "Goodbye.", {}), ("Pause", "", {"length": "2"})]
    assert result.outcome == "completed"
    assert not server.fake.requests_to("/twilio/after-stream")
    # The trailing <Pause> keeps the caller on the line (reference §7.10, dead air).
    assert call.now_ms >= closed_at + 2000


async def test_post_close_behaviour_can_hang_up_instead_of_running_the_next_verb():
    twiml = '<Response><Connect><Stream url="{stream_url}"/></Connect><Say>Bye</Say></Response>'
    async with twilio_server("asgi", voice_twiml=twiml) as server:
        call, stream = await dial_and_stream(server, post_close_behavior="hangup")
        await stream.close()
        result = await call.wait_until_ended()

    assert result.verbs == []


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_audio_still_buffered_when_the_server_closes_is_not_heard(transport):
    async with twilio_server(transport) as server:
        call, stream = await dial_and_stream(server)
        await stream.send_media(b"\x00" * 16000)
        await call.wait_for(lambda c: c.heard_ms >= 100)
        await stream.close()
        await call.wait_until_ended()

    assert 100 <= call.heard_ms < 2000
    assert "unplayed" in call.warnings[0][1]
