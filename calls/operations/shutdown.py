"""Graceful shutdown: stop taking calls, let active ones finish, then end the rest politely."""

from __future__ import annotations

import asyncio
import logging

from calls.live.bridge import CallBridge
from calls.records.recorder import recorder

logger = logging.getLogger(__name__)

END_WAIT_SECONDS = 5.0  # for calls ended at the deadline to finish their teardown
LINGER_SECONDS = 2.0  # Twilio asks /twilio/connect-action right after a stream closes
RECORDS_FLUSH_SECONDS = 10.0
# After drain() the reactor stops and the process exits; systemd's TimeoutStopSec must cover
# the worst-case drain plus this (deploy/systemd/ars-daphne@.service, checked by a test).
EXIT_MARGIN_SECONDS = 10.0


def worst_case_drain_seconds(grace_seconds: float) -> float:
    """The longest drain() can take: the grace, the forced ends, the linger and the flush."""
    return grace_seconds + END_WAIT_SECONDS + LINGER_SECONDS + RECORDS_FLUSH_SECONDS


class ShutdownState:
    """Whether this process is draining; the webhook and /healthz consult it."""

    def __init__(self):
        self.draining = False


state = ShutdownState()


def live_bridges() -> list[CallBridge]:
    """Bridges whose calls are still up."""
    return [bridge for bridge in list(CallBridge.live) if not bridge.closed]


async def wait_for_calls(within: float) -> None:
    """Wait until every live call has finished its teardown, or the timeout passes."""
    waiters = [asyncio.ensure_future(bridge.finished.wait()) for bridge in live_bridges()]
    if not waiters:
        return
    _, pending = await asyncio.wait(waiters, timeout=within)
    for waiter in pending:
        waiter.cancel()


async def drain(grace_seconds: float) -> int:
    """Refuse new calls, wait up to grace_seconds, then end the rest; returns how many were ended.

    Calls still up after the grace period end with end reason `shutdown`: connect-action then
    apologises and transfers to a human (or hangs up politely), so nobody hears dead air.
    """
    state.draining = True
    logger.warning(
        "shutting down: no new calls; %d active call(s) get %.0f s to finish",
        len(live_bridges()),
        grace_seconds,
    )
    await wait_for_calls(grace_seconds)
    remaining = live_bridges()
    for bridge in remaining:
        await bridge.end("shutdown")
    await wait_for_calls(END_WAIT_SECONDS)
    if remaining:
        logger.warning("ended %d call(s) at shutdown through the apology path", len(remaining))
        await asyncio.sleep(LINGER_SECONDS)  # let Twilio fetch connect-action from us
    await write_remaining_records(RECORDS_FLUSH_SECONDS)
    return len(remaining)


async def write_remaining_records(within: float) -> None:
    """Write what the recorder still holds; say how much is lost if the database won't take it."""
    try:
        await asyncio.wait_for(recorder.flush(), within)
    except TimeoutError:
        logger.error(
            "shutting down with %d call record(s) not written: the database did not take them"
            " within %.0f s",
            recorder.backlog,
            within,
        )
