"""A signed upgrade alone buys little: `start` must come soon, and early OpenAI sessions are few."""

import asyncio

import pytest

from tests.calls.streams import signed_stream

pytestmark = pytest.mark.django_db(transaction=True)


def unverified_streams_held() -> int:
    """Early OpenAI sessions this process counts as held by unverified streams."""
    from calls.live.stream_guard import early_sessions

    return early_sessions.held


async def test_a_stream_that_never_sends_start_is_closed_with_its_openai_session(fake_ai, settings):
    settings.STREAM_START_SECONDS = 0.3
    stream = await signed_stream()
    session = await fake_ai.next_session()  # the early connect, before start

    assert await stream.receive_output(timeout=5) == {"type": "websocket.close", "code": 4008}
    await stream.disconnect()
    async with asyncio.timeout(5):
        await session.websocket.wait_closed()
    assert unverified_streams_held() == 0


@pytest.mark.parametrize(("bound", "idle_streams"), [(0, 2), (2, 5)])
async def test_only_a_bounded_number_of_unverified_streams_open_openai_early_and_calls_still_work(
    fake_ai, make_caller, settings, bound, idle_streams
):
    settings.MAX_UNVERIFIED_STREAMS = bound
    idle = [await signed_stream() for _ in range(idle_streams)]
    for _ in range(bound):
        await fake_ai.next_session()

    call = await make_caller().dial()  # over the bound: its session opens after start
    session = await fake_ai.next_session()
    await call.wait_for(lambda c: c.heard_ms + c.buffered_ms > 0, timeout=10)

    assert len(fake_ai.sessions) == bound + 1
    assert session.received[0].event["type"] == "session.update"
    await call.hang_up()
    for stream in idle:
        await stream.disconnect()
    assert unverified_streams_held() == 0
