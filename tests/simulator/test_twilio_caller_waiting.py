"""wait_for keeps the line alive with silence until its condition holds, or says why it gave up."""

import base64

import pytest

from calls.simulator.twilio_caller import StreamEnded
from tests.simulator.twilio_fixtures import dial_and_stream, twilio_server


async def test_wait_for_sends_silence_frames_while_waiting():
    async with twilio_server("asgi") as server:
        call, stream = await dial_and_stream(server)
        started = call.now_ms
        await call.wait_for(lambda c: c.now_ms - started >= 200)
        await call.hang_up()

    payloads = {base64.b64decode(m["media"]["payload"]) for m in stream.events("media")}
    assert payloads == {b"\xff" * 160}


async def test_wait_for_reports_a_timeout_with_the_call_clock():
    async with twilio_server("asgi") as server:
        call, _ = await dial_and_stream(server)
        with pytest.raises(TimeoutError, match="call clock"):
            await call.wait_for(lambda c: False, timeout=0.05)
        await call.hang_up()


async def test_wait_for_stops_when_the_server_closes_first():
    async with twilio_server("asgi") as server:
        call, stream = await dial_and_stream(server)
        await stream.close()
        with pytest.raises(StreamEnded):
            await call.wait_for(lambda c: c.marks_echoed)
        result = await call.hang_up()

    assert result.ended_by == "server"
