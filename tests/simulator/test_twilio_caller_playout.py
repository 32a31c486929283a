"""Outbound audio plays at exactly 8000 bytes per second of call clock (§4.1, §5.6)."""

import pytest

from calls.simulator.playout import Heard, MarkReached, Playout
from tests.simulator.twilio_fixtures import TRANSPORTS, dial_and_stream, twilio_server


def test_playout_drains_8_bytes_per_millisecond():
    playout = Playout()
    playout.enqueue_audio(b"\x01" * 800, now_ms=1000)
    playout.enqueue_mark("end", now_ms=1000)

    assert playout.advance(1040) == [Heard(1000, b"\x01" * 320)]
    assert playout.buffered_ms == 60
    assert playout.advance(1200) == [Heard(1040, b"\x01" * 480), MarkReached(1100, "end")]


def test_audio_arriving_on_an_idle_line_starts_playing_when_it_arrives():
    playout = Playout()
    playout.advance(5000)
    assert playout.enqueue_audio(b"\x02" * 80, now_ms=7000) == []
    assert playout.advance(8000) == [Heard(7000, b"\x02" * 80)]


def test_queued_chunks_play_back_to_back():
    playout = Playout()
    events = playout.enqueue_audio(b"a" * 100, now_ms=0)
    events += playout.enqueue_audio(b"b" * 100, now_ms=5)
    events += playout.advance(25)
    assert events == [Heard(0, b"a" * 40), Heard(5, b"a" * 60), Heard(12.5, b"b" * 100)]


def test_a_mark_on_an_empty_buffer_is_reached_at_once():
    assert Playout().enqueue_mark("now", now_ms=420) == [MarkReached(420, "now")]


def test_clear_passes_pending_marks_at_the_clear_time_and_drops_the_rest():
    playout = Playout()
    playout.enqueue_audio(b"x" * 8000, now_ms=0)
    playout.enqueue_mark("m", now_ms=0)
    events = playout.clear(now_ms=100)
    assert events == [Heard(0, b"x" * 800), MarkReached(100, "m")]
    assert playout.buffered_ms == 0
    assert playout.advance(5000) == []


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_one_second_of_audio_takes_one_second_of_call_clock(transport):
    async with twilio_server(transport) as server:
        call, stream = await dial_and_stream(server)
        await stream.send_media(bytes(range(256)) * 31 + bytes(64))  # 8000 bytes
        await stream.send_mark("done")
        await call.wait_for(lambda c: c.marks_echoed == ["done"])
        await call.hang_up()

    started = call.heard[0][0]
    assert call.marks_echoed_at == [(started + 1000, "done")]
    assert call.heard_ms == 1000
    # One 20 ms frame of caller audio lets exactly 160 bytes play.
    assert {len(audio) for _, audio in call.heard} == {160}
    assert [at - started for at, _ in call.heard] == [20.0 * n for n in range(50)]
    assert b"".join(audio for _, audio in call.heard) == bytes(range(256)) * 31 + bytes(64)
