"""Caller audio goes out as 20 ms media frames with string counters (§3.3)."""

import base64

import pytest

from tests.simulator.twilio_fixtures import TRANSPORTS, dial_and_stream, twilio_server


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_frames_are_160_bytes_with_timestamps_advancing_20_ms(transport):
    async with twilio_server(transport) as server:
        call, stream = await dial_and_stream(server)
        await call.send_speech(100)
        await call.send_silence(60)
        await call.hang_up()

    media = stream.events("media")
    assert len(media) == 8
    for n, message in enumerate(media, start=1):
        assert message["sequenceNumber"] == str(n + 1)  # start took "1"
        assert message["streamSid"] == call.stream_sid
        body = message["media"]
        assert set(body) == {"track", "chunk", "timestamp", "payload"}
        assert body["track"] == "inbound"
        assert body["chunk"] == str(n)
        assert body["timestamp"] == str(20 * n)
        assert len(base64.b64decode(body["payload"])) == 160
    assert base64.b64decode(media[-1]["media"]["payload"]) == b"\xff" * 160


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_sequence_numbers_are_shared_with_dtmf_and_stop(transport):
    async with twilio_server(transport) as server:
        call, stream = await dial_and_stream(server)
        await call.send_silence(20)
        await call.send_dtmf("5")
        await call.send_silence(20)
        await call.hang_up()
        await stream.closed.wait()

    numbered = [m for m in stream.messages if m["event"] != "connected"]
    assert [m["event"] for m in numbered] == ["start", "media", "dtmf", "media", "stop"]
    assert [m["sequenceNumber"] for m in numbered] == ["1", "2", "3", "4", "5"]


async def test_arbitrary_audio_is_chopped_and_the_last_frame_padded_with_silence():
    async with twilio_server("asgi") as server:
        call, stream = await dial_and_stream(server)
        await call.send_audio(b"\x10" * 200)
        await call.hang_up()

    payloads = [base64.b64decode(m["media"]["payload"]) for m in stream.events("media")]
    assert payloads == [b"\x10" * 160, b"\x10" * 40 + b"\xff" * 120]


async def test_the_call_clock_advances_20_ms_per_frame_without_real_waiting():
    async with twilio_server("asgi") as server:
        call, _ = await dial_and_stream(server)
        before = call.now_ms
        await call.send_silence(60_000)
        assert call.now_ms - before == 60_000
        await call.hang_up()
