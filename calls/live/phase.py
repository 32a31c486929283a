"""The phase of one call's bridge: one explicit value and the transitions it may take.

    CONNECTING ──> CONFIGURING ──> LIVE <──> RESTORING
        │               │            │           │
        └───────────────┴────────────┴───────────┴──> ENDING ──> CLOSED

CONNECTING: the Realtime socket is opening and Twilio's `start` has not been verified yet.
CONFIGURING: our session.update is sent; caller audio waits until session.updated.
LIVE: audio flows both ways. RESTORING: the Realtime socket dropped; reconnecting, reconfiguring
and replaying the conversation (a drop before `start` or before the first session.updated goes
back to CONFIGURING once the session is set up again). ENDING: our side ends the call; its reason
is stored and Twilio's socket is closing. CLOSED: torn down. Any phase may close at once (the
caller hung up).
"""

from __future__ import annotations

import enum
import logging

logger = logging.getLogger("calls.live.bridge")


class CallPhase(enum.Enum):
    """Where a call's bridge is in its life."""

    CONNECTING = "connecting"
    CONFIGURING = "configuring"
    LIVE = "live"
    RESTORING = "restoring"
    ENDING = "ending"
    CLOSED = "closed"


ALLOWED: dict[CallPhase, frozenset[CallPhase]] = {
    CallPhase.CONNECTING: frozenset(
        {CallPhase.CONFIGURING, CallPhase.RESTORING, CallPhase.ENDING, CallPhase.CLOSED}
    ),
    CallPhase.CONFIGURING: frozenset(
        {CallPhase.LIVE, CallPhase.RESTORING, CallPhase.ENDING, CallPhase.CLOSED}
    ),
    CallPhase.LIVE: frozenset({CallPhase.RESTORING, CallPhase.ENDING, CallPhase.CLOSED}),
    CallPhase.RESTORING: frozenset(
        {CallPhase.CONFIGURING, CallPhase.LIVE, CallPhase.ENDING, CallPhase.CLOSED}
    ),
    CallPhase.ENDING: frozenset({CallPhase.CLOSED}),
    CallPhase.CLOSED: frozenset(),
}


class PhaseError(RuntimeError):
    """A transition the call flow does not allow: a bug in the bridge, never the caller's."""


class Phase:
    """The current phase and the way it got there (a call has a handful of transitions)."""

    __slots__ = ("current", "history")

    def __init__(self) -> None:
        self.current = CallPhase.CONNECTING
        self.history: list[CallPhase] = [CallPhase.CONNECTING]

    def to(self, phase: CallPhase) -> None:
        """Move to a phase (staying in the same one is a no-op); refuse a transition not allowed."""
        if phase is self.current:
            return
        if phase not in ALLOWED[self.current]:
            raise PhaseError(f"{self.current.value} -> {phase.value} is not a call transition")
        logger.debug("call phase %s -> %s", self.current.value, phase.value)
        self.current = phase
        self.history.append(phase)

    def is_(self, phase: CallPhase) -> bool:
        """Whether the call is in this phase."""
        return self.current is phase

    @property
    def over(self) -> bool:
        """Our side is ending the call, or it is closed: nothing new starts."""
        return self.current is CallPhase.ENDING or self.current is CallPhase.CLOSED

    def reached(self, phase: CallPhase) -> bool:
        """Whether the call has been in this phase at some point."""
        return phase in self.history
