"""A caller hang-up sends stop, closes with 1000, then posts the completed status callback."""

from email.utils import parsedate_to_datetime

import pytest

from calls.simulator.twilio_caller import StreamEnded
from tests.simulator.twilio_fixtures import (
    ACCOUNT_SID,
    TRANSPORTS,
    dial_and_stream,
    twilio_server,
)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_hang_up_sends_stop_and_closes_normally(transport):
    async with twilio_server(transport) as server:
        call, stream = await dial_and_stream(server)
        await call.send_speech(400)
        await call.hang_up()
        await stream.closed.wait()

    stop = stream.messages[-1]
    assert stop == {
        "event": "stop",
        "sequenceNumber": str(len(stream.messages) - 1),
        "streamSid": call.stream_sid,
        "stop": {"accountSid": ACCOUNT_SID, "callSid": call.call_sid},
    }
    assert stream.caller_close_code == 1000


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_the_status_callback_reports_the_call_duration(transport):
    async with twilio_server(transport) as server:
        call, _ = await dial_and_stream(server)
        await call.send_silence(3000)
        ended_at_ms = call.now_ms
        result = await call.hang_up()

    callback = server.fake.requests_to("/twilio/status")[0]
    assert callback.signature_valid
    params = callback.params
    assert params["CallStatus"] == "completed"
    assert params["CallDuration"] == str(result.duration_s) == str(round(ended_at_ms / 1000))
    assert params["Duration"] == "1"
    assert params["CallbackSource"] == "call-progress-events"
    assert params["SequenceNumber"] == "0"
    assert parsedate_to_datetime(params["Timestamp"]).utcoffset().total_seconds() == 0
    assert params["CallSid"] == call.call_sid and params["Direction"] == "inbound"
    assert result.ended_by == "caller"
    assert result.verbs == []
    assert result.status_callback_status == 204


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_the_stream_status_callback_hears_started_and_stopped(transport):
    async with twilio_server(transport) as server:
        call, _ = await dial_and_stream(server)
        await call.hang_up()

    events = server.fake.requests_to("/twilio/stream-status")
    assert [e.params["StreamEvent"] for e in events] == ["stream-started", "stream-stopped"]
    for event in events:
        assert event.signature_valid
        assert event.params["StreamSid"] == event.params["StreamName"] == call.stream_sid
        assert event.params["CallSid"] == call.call_sid


async def test_after_hanging_up_the_caller_cannot_talk_and_the_result_is_kept():
    async with twilio_server("asgi") as server:
        call, _ = await dial_and_stream(server)
        first = await call.hang_up()
        assert await call.hang_up() is first
        with pytest.raises(StreamEnded):
            await call.send_silence(20)
    assert len(server.fake.requests_to("/twilio/status")) == 1


async def test_the_status_callback_can_be_turned_off():
    async with twilio_server("asgi") as server:
        call, _ = await dial_and_stream(server, status_callback_path=None)
        result = await call.hang_up()

    assert result.status_callback_status is None
    assert not server.fake.requests_to("/twilio/status")
