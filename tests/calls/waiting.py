"""Await a condition that other tasks make true, without advancing the caller's clock."""

import asyncio


async def eventually(predicate, within: float = 5.0) -> None:
    """Yield to the event loop until predicate() holds; raise TimeoutError after `within` s.

    The simulated caller's virtual clock advances only when it sends frames, so waiting for the
    server to deliver audio must not send any. The simulators expose state rather than events,
    so this yields briefly and re-checks; it never assumes a duration is enough.
    """
    async with asyncio.timeout(within):
        while not predicate():  # noqa: ASYNC110 - no event to await: simulator state is polled
            await asyncio.sleep(0.002)


def generated_ms(session) -> float:
    """Milliseconds of agent audio the fake has generated so far in this session."""
    return sum(session.conversation.generated_ms.values())


def delivered(call, session) -> bool:
    """Every response the fake finished has reached the caller (heard or buffered)."""
    finished = sum(1 for r in session.sent if r.event.get("type") == "response.done")
    return finished >= 1 and call.heard_ms + call.buffered_ms >= generated_ms(session) - 1
