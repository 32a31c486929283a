"""A virtual clock can be capped at N× real time so real-time peers are not flooded."""

import time

from calls.simulator.clock import VirtualClock
from tests.simulator.twilio_fixtures import dial_and_stream, twilio_server


async def test_an_uncapped_virtual_clock_never_waits():
    clock = VirtualClock()
    started = time.monotonic()
    await clock.wait_until(3_600_000)
    assert clock.now_ms == 3_600_000
    assert time.monotonic() - started < 0.5


async def test_a_capped_virtual_clock_keeps_exact_call_time_but_paces_frames():
    async with twilio_server("asgi") as server:
        call, stream = await dial_and_stream(server, virtual_speed=20, say_ms_per_char=0)
        started = time.monotonic()
        await call.send_silence(2000)
        elapsed = time.monotonic() - started
        await call.hang_up()

    assert elapsed >= 2.0 / 20 * 0.9  # 100 frames may not outrun 20× real time
    assert [m["media"]["timestamp"] for m in stream.events("media")][-1] == "2000"
