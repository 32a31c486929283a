"""The spoken turns of one call: agent items as they play, caller lines, latency and history.

Pure: no Django, no I/O. An agent turn is reported once its text is complete and its audio has
played out (marks tell), or when the caller interrupted it; then it carries the text the
caller heard, estimated from played / generated milliseconds.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from calls.live.observer import BridgeObserver, CallCounters, UtteranceRecord
from calls.live.playback import ItemPlayback, PlaybackTracker

PARTIAL_TEXT_INTERVAL_S = 0.15  # throttle for partial text sent to supervisors
HISTORY_TURNS = 20  # recent utterances replayed into a new session after a reconnect


@dataclass(slots=True)
class AgentTurn:
    """One assistant item being spoken."""

    item_id: str
    started_ms: int
    text: str = ""
    transcript_done: bool = False
    interrupted: bool = False
    finished: bool = False
    latency_ms: int | None = None
    metrics: dict = field(default_factory=dict)
    latency_clock: float | None = None
    last_partial_at: float = 0.0


def ms_since(moment: float) -> int:
    """Milliseconds elapsed since a monotonic moment."""
    return round((time.monotonic() - moment) * 1000)


class Transcripts:
    """Keeps the call's turns and reports them to the observer."""

    def __init__(self, tracker: PlaybackTracker, counters: CallCounters, clock: Callable[[], int]):
        self.tracker = tracker
        self.counters = counters
        self.clock = clock  # milliseconds since the stream started
        self.observer: BridgeObserver | None = None
        self.turns: dict[str, AgentTurn] = {}
        self.caller_started: dict[str, int] = {}
        self.caller_partial: dict[str, str] = {}
        self.caller_partial_at: dict[str, float] = {}
        self.history: deque[tuple[str, str]] = deque(maxlen=HISTORY_TURNS)
        self.speech_stopped_at: float | None = None

    # --- caller ---------------------------------------------------------------------------

    def caller_started_speaking(self, item_id: str) -> None:
        """Remember when the caller's turn began."""
        self.caller_started[item_id] = self.clock()

    def caller_stopped_speaking(self) -> None:
        """Start the response-latency clock."""
        self.speech_stopped_at = time.monotonic()

    def caller_text(self, item_id: str, delta: str) -> None:
        """Partial caller text for supervisors."""
        text = self.caller_partial.get(item_id, "") + delta
        self.caller_partial[item_id] = text
        now = time.monotonic()
        if self.observer and now - self.caller_partial_at.get(item_id, 0.0) >= (
            PARTIAL_TEXT_INTERVAL_S
        ):
            self.caller_partial_at[item_id] = now
            self.observer.transcript_delta("caller", item_id, text)

    def caller_done(self, item_id: str, transcript: str) -> None:
        """A finished caller turn."""
        self.caller_partial.pop(item_id, None)
        self.caller_partial_at.pop(item_id, None)
        text = transcript.strip()
        if not text:
            return
        self.history.append(("user", text))
        if self.observer:
            self.observer.utterance(
                UtteranceRecord(
                    speaker="caller",
                    text=text,
                    item_id=item_id,
                    started_ms=self.caller_started.pop(item_id, None),
                    ended_ms=self.clock(),
                )
            )

    # --- agent ----------------------------------------------------------------------------

    def agent_turn(self, item_id: str) -> AgentTurn:
        """The turn of an assistant item; a new one takes the latency clock of the caller's turn."""
        turn = self.turns.get(item_id)
        if turn is not None:
            return turn
        turn = self.turns[item_id] = AgentTurn(item_id=item_id, started_ms=self.clock())
        if self.speech_stopped_at is not None:
            turn.latency_clock = self.speech_stopped_at
            turn.latency_ms = ms_since(self.speech_stopped_at)
            turn.metrics["first_audio_from_ai_ms"] = turn.latency_ms
            self.speech_stopped_at = None
            self.counters.last_latency_ms = turn.latency_ms
            self.counters.latencies_ms.append(turn.latency_ms)
        self.counters.turns += 1
        return turn

    def agent_audio_sent(self, turn: AgentTurn) -> None:
        """Audio of the turn went to Twilio: note when the first did."""
        if turn.latency_clock is not None and "first_audio_to_twilio_ms" not in turn.metrics:
            turn.metrics["first_audio_to_twilio_ms"] = ms_since(turn.latency_clock)

    def agent_audio_played(self, playback: ItemPlayback) -> None:
        """A mark of the item echoed: latency of the first, and the end of a played-out turn."""
        turn = self.turns.get(playback.item_id)
        if turn is None:
            return
        if turn.latency_clock is not None and "first_mark_echoed_ms" not in turn.metrics:
            turn.metrics["first_mark_echoed_ms"] = ms_since(turn.latency_clock)
        if playback.pending_marks == 0 and turn.transcript_done:
            self.finish(turn)

    def agent_text(self, item_id: str, delta: str) -> None:
        """Partial agent text for supervisors, throttled."""
        turn = self.agent_turn(item_id)
        turn.text += delta
        now = time.monotonic()
        if now - turn.last_partial_at >= PARTIAL_TEXT_INTERVAL_S and self.observer:
            turn.last_partial_at = now
            self.observer.transcript_delta("agent", item_id, turn.text)

    def agent_done(self, item_id: str, transcript: str) -> None:
        """The agent's full text for an item; the turn ends once its audio has played."""
        turn = self.agent_turn(item_id)
        turn.text = transcript
        turn.transcript_done = True
        if turn.interrupted or self.tracker.item(item_id).pending_marks == 0:
            self.finish(turn)

    def agent_interrupted(self, item_id: str) -> None:
        """The caller talked over this item."""
        turn = self.turns.get(item_id)
        if turn is not None:
            turn.interrupted = True
            if turn.transcript_done:
                self.finish(turn)

    def finish_all(self) -> None:
        """Report every unfinished turn (teardown, or a lost AI session)."""
        for turn in list(self.turns.values()):
            self.finish(turn)

    def finish(self, turn: AgentTurn) -> None:
        """Report a finished agent turn, with the text the caller heard if interrupted."""
        if turn.finished:
            return
        turn.finished = True
        self.turns.pop(turn.item_id, None)
        played = self.tracker.played_ms(turn.item_id)
        generated = self.tracker.generated_ms(turn.item_id)
        heard = turn.text
        if turn.interrupted:
            share = min(1.0, played / generated) if generated else 0.0
            heard = turn.text[: round(len(turn.text) * share)]
        if heard.strip():
            self.history.append(("assistant", heard.strip()))
        if self.observer is None:
            return
        if turn.metrics:
            self.observer.turn_metrics(turn.item_id, dict(turn.metrics))
        self.observer.utterance(
            UtteranceRecord(
                speaker="agent",
                text=turn.text,
                item_id=turn.item_id,
                started_ms=turn.started_ms,
                ended_ms=self.clock(),
                interrupted=turn.interrupted,
                heard_text=heard if turn.interrupted else "",
                generated_ms=generated,
                played_ms=played,
                latency_ms=turn.latency_ms,
                metrics=dict(turn.metrics),
            )
        )
