"""The call clock: virtual (jumps instantly, for fast tests) or real (time.monotonic, for demos)."""

from __future__ import annotations

import asyncio
import time


class VirtualClock:
    """A call clock that only moves when the call moves it; waiting takes no real time.

    With `max_speed`, the clock still moves only when the call moves it, but never gets more
    than max_speed × real time ahead: peers paced in real time (a fake model streaming audio,
    timers in a bridge) then keep up instead of being flooded by thousands of frames a second.
    """

    real = False

    def __init__(self, max_speed: float | None = None) -> None:
        self.now_ms = 0.0
        self.max_speed = max_speed
        self._origin = time.monotonic()

    async def wait_until(self, deadline_ms: float) -> None:
        """Jump to deadline_ms (never backwards), then hold back if over the speed cap."""
        self.now_ms = max(self.now_ms, deadline_ms)
        if self.max_speed:
            ahead_s = self.now_ms / self.max_speed / 1000 - (time.monotonic() - self._origin)
            if ahead_s > 0:
                await asyncio.sleep(ahead_s)

    async def pass_ms(self, ms: float) -> None:
        """Let ms of call time go by."""
        await self.wait_until(self.now_ms + ms)


class RealClock:
    """A call clock that follows time.monotonic() from the moment the call is placed."""

    real = True

    def __init__(self) -> None:
        self._origin = time.monotonic()

    @property
    def now_ms(self) -> float:
        """Milliseconds since the call was placed."""
        return (time.monotonic() - self._origin) * 1000

    async def wait_until(self, deadline_ms: float) -> None:
        """Sleep until an absolute deadline, so a series of waits does not drift."""
        delay = (deadline_ms - self.now_ms) / 1000
        if delay > 0:
            await asyncio.sleep(delay)

    async def pass_ms(self, ms: float) -> None:
        """Let ms of call time go by."""
        await self.wait_until(self.now_ms + ms)


def make_clock(kind: str, virtual_speed: float | None = None) -> VirtualClock | RealClock:
    """Return a clock for "virtual" (optionally capped at virtual_speed × real time) or "real"."""
    if kind == "virtual":
        return VirtualClock(virtual_speed)
    if kind == "real":
        return RealClock()
    raise ValueError(f'clock must be "virtual" or "real", got {kind!r}')
