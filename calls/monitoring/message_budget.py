"""A per-socket message budget (token bucket): a supervisor's page sends a few messages a
minute; a socket that sends far more is a bug or an attack and is closed."""

from __future__ import annotations

import time
from collections.abc import Callable

BURST = 30  # messages a page may send at once (a reconnect resubscribes, a supervisor clicks)
PER_SECOND = 5.0  # sustained rate


class MessageBudget:
    """Allows BURST messages at once and PER_SECOND after that."""

    def __init__(
        self,
        burst: int = BURST,
        per_second: float = PER_SECOND,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.burst, self.per_second, self.clock = burst, per_second, clock
        self.tokens = float(burst)
        self.refilled_at = clock()

    def take(self) -> bool:
        """Spend one message; False when the budget is exhausted."""
        now = self.clock()
        elapsed = now - self.refilled_at
        self.tokens = min(self.burst, self.tokens + elapsed * self.per_second)
        self.refilled_at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
