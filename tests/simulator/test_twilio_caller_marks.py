"""Marks echo when playout reaches them, at once when idle, and all on clear (§3.5, §4.3)."""

import pytest

from tests.simulator.twilio_fixtures import TRANSPORTS, dial_and_stream, twilio_server

ONE_SECOND = b"\x00" * 8000


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_marks_are_echoed_in_order_after_their_audio_plays(transport):
    async with twilio_server(transport) as server:
        call, stream = await dial_and_stream(server)
        await stream.send_media(ONE_SECOND[:1600])
        await stream.send_mark("first")
        await stream.send_media(ONE_SECOND[:800])
        await stream.send_mark("second")
        await call.wait_for(lambda c: len(c.marks_echoed) == 2)
        echoes = [await stream.next_event("mark") for _ in range(2)]
        await call.hang_up()

    assert call.marks_echoed == ["first", "second"]
    started = call.heard[0][0]
    assert [at - started for at, _ in call.marks_echoed_at] == [200.0, 300.0]
    assert [e["mark"] for e in echoes] == [{"name": "first"}, {"name": "second"}]
    for echo in echoes:
        assert set(echo) == {"event", "sequenceNumber", "streamSid", "mark"}
        assert echo["streamSid"] == call.stream_sid
        assert isinstance(echo["sequenceNumber"], str)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_mark_is_echoed_immediately_when_nothing_is_buffered(transport):
    async with twilio_server(transport) as server:
        call, stream = await dial_and_stream(server)
        await call.send_silence(100)
        await stream.send_mark("idle")
        await call.wait_for(lambda c: c.marks_echoed == ["idle"])
        # Echoed at the call-clock instant it arrived: the frame that carried it in is the last.
        assert call.marks_echoed_at == [(call.now_ms, "idle")]
        await call.hang_up()

    assert call.heard == []


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_clear_drops_buffered_audio_and_echoes_every_pending_mark(transport):
    async with twilio_server(transport) as server:
        call, stream = await dial_and_stream(server)
        await stream.send_media(ONE_SECOND * 2)
        await stream.send_mark("a")
        await stream.send_media(ONE_SECOND)
        await stream.send_mark("b")
        await call.wait_for(lambda c: c.heard_ms >= 200)
        await stream.send_clear()
        await call.wait_for(lambda c: c.clears)
        heard_at_clear = call.heard_ms
        await call.send_silence(1000)
        await call.hang_up()

    assert call.marks_echoed == ["a", "b"]
    assert [at for at, _ in call.marks_echoed_at] == [call.clears[0]] * 2
    assert call.heard_ms == heard_at_clear < 3000
    assert max(at + len(audio) / 8 for at, audio in call.heard) == call.clears[0]
    assert call.buffered_ms == 0
    assert [e["mark"]["name"] for e in stream.events("mark")] == ["a", "b"]
