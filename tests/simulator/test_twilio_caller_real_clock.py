"""On the real clock, frames leave on absolute 20 ms deadlines and the line never goes quiet."""

import asyncio
import base64
import time

from tests.simulator.twilio_fixtures import dial_and_stream, twilio_server


async def test_frames_are_paced_in_real_time_without_drift():
    async with twilio_server("network") as server:
        call, stream = await dial_and_stream(server, clock="real", say_ms_per_char=0)
        started = time.monotonic()
        await call.send_silence(200)
        elapsed = time.monotonic() - started
        await call.hang_up()

    # Absolute deadlines: the tenth frame cannot leave before 180 ms after stream start, and the
    # stream started a little before `started` (dialling returns after it), so allow that much.
    assert 0.15 <= elapsed < 1.0
    timestamps = [m["media"]["timestamp"] for m in stream.events("media")]
    assert timestamps[:10] == [str(20 * n) for n in range(1, 11)]


async def test_a_gap_between_sends_is_filled_with_silence():
    async with twilio_server("network") as server:
        call, stream = await dial_and_stream(server, clock="real", say_ms_per_char=0)
        await call.send_speech(20)
        # The stimulus, not a synchronisation: the test is busy elsewhere for 100 ms, and on a
        # phone line that time passes with the caller's silence still being streamed.
        await asyncio.sleep(0.1)
        await call.send_speech(20)
        await call.hang_up()
        await stream.closed.wait()

    media = [m["media"] for m in stream.events("media")]
    assert [int(m["chunk"]) for m in media] == list(range(1, len(media) + 1))
    assert int(media[-1]["timestamp"]) >= 120  # 20 ms spoken + 100 ms gap, then one more frame
    gap = {base64.b64decode(m["payload"]) for m in media[1:-1]}
    assert gap == {b"\xff" * 160}
