"""The stream opens with connected, then start (sequenceNumber "1"), then media (§3.1–3.3)."""

import re

import pytest

from tests.simulator.twilio_fixtures import ACCOUNT_SID, TRANSPORTS, dial_and_stream, twilio_server

SID = re.compile(r"^(MZ|CA|AC)[0-9a-f]{32}$")


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_connected_then_start_then_media(transport):
    async with twilio_server(transport) as server:
        call, stream = await dial_and_stream(server)
        await call.send_silence(40)
        await call.hang_up()

    events = [m["event"] for m in stream.messages]
    assert events[:4] == ["connected", "start", "media", "media"]
    assert stream.messages[0] == {"event": "connected", "protocol": "Call", "version": "1.0.0"}


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_start_describes_the_inbound_stream_with_custom_parameters(transport):
    async with twilio_server(transport) as server:
        call, stream = await dial_and_stream(server)
        await call.hang_up()

    start = stream.events("start")[0]
    assert start["sequenceNumber"] == "1"
    assert SID.match(start["streamSid"]) and start["streamSid"].startswith("MZ")
    assert start["streamSid"] == call.stream_sid
    assert start["start"] == {
        "streamSid": call.stream_sid,
        "accountSid": ACCOUNT_SID,
        "callSid": call.call_sid,
        "tracks": ["inbound"],
        "customParameters": {"session": "abc123", "tenant": "clinic-7"},
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
    }


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_greeting_verbs_run_before_the_stream_opens(transport):
    async with twilio_server(transport) as server:
        call, _ = await dial_and_stream(server)
        await call.hang_up()

    say, connect = call.verbs_before_stream
    assert say == ("Say", "안녕하세요. 연결해 드리겠습니다.", {"language": "ko-KR"})
    assert connect[0] == "Connect"
    assert call.log[0][1].startswith("POST")


async def test_start_has_empty_custom_parameters_without_parameter_nouns():
    twiml = '<Response><Connect><Stream url="{stream_url}"/></Connect></Response>'
    async with twilio_server("asgi", voice_twiml=twiml) as server:
        call, stream = await dial_and_stream(server)
        await call.hang_up()

    assert stream.events("start")[0]["start"]["customParameters"] == {}
