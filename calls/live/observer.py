"""What the bridge reports about a call, as plain records (no Django): the observer interface."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from calls.records.cost import add_usage, count, empty_usage


@dataclass(frozen=True, slots=True)
class UtteranceRecord:
    """One finished turn of speech."""

    speaker: str
    text: str
    item_id: str = ""
    started_ms: int | None = None
    ended_ms: int | None = None
    interrupted: bool = False
    heard_text: str = ""
    generated_ms: int | None = None
    played_ms: int | None = None
    latency_ms: int | None = None
    metrics: dict = field(default_factory=dict)


@dataclass(slots=True)
class CallCounters:
    """Running totals of a call, stored on the call row."""

    turns: int = 0
    interruptions: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    protocol_errors: int = 0
    last_latency_ms: int | None = None
    latencies_ms: list[int] = field(default_factory=list)
    usage: dict[str, int] = field(default_factory=empty_usage)

    @property
    def avg_latency_ms(self) -> int | None:
        """Mean response latency of the call so far."""
        if not self.latencies_ms:
            return None
        return round(sum(self.latencies_ms) / len(self.latencies_ms))


def count_response_usage(counters: CallCounters, usage: dict | None) -> None:
    """Add one `response.done` usage to the call's totals and its per-modality token counts."""
    usage = usage if isinstance(usage, dict) else {}
    counters.input_tokens += count(usage.get("input_tokens"))
    counters.output_tokens += count(usage.get("output_tokens"))
    counters.usage = add_usage(counters.usage, usage)


class BridgeObserver(Protocol):
    """Receives a call's records; every method but end_call must return at once (hot path)."""

    def state_changed(self, state: str, counters: CallCounters) -> None:
        """The call's live state (connecting, caller or agent speaking, idle) changed."""

    def transcript_delta(self, speaker: str, item_id: str, text_so_far: str) -> None:
        """Partial text of a turn in progress."""

    def utterance(self, record: UtteranceRecord) -> None:
        """A finished turn."""

    def event(self, kind: str, data: dict, offset_ms: int | None, actor_id=None) -> None:
        """Something that happened (DTMF, tool call, error, reconnect, supervisor action)."""

    def turn_metrics(self, item_id: str, metrics: dict) -> None:
        """Latencies of an agent turn."""

    async def end_call(self, reason: str, counters: CallCounters) -> None:
        """Store why our side ends the call, before the Twilio socket closes (awaited)."""

    async def save_recording(self, recording) -> None:
        """Store the call's stereo recording (awaited at teardown, before finalize)."""

    def summary(self, text: str, reason: str, categories: tuple[str, ...]) -> None:
        """The post-call summary's raw answer (validated when stored), or why there is none."""

    async def finalize(self, reason: str, counters: CallCounters, session: dict) -> None:
        """The call is over: store status, duration and totals (queue them; never wait).

        It also runs when the server cancels a teardown that takes too long.
        """
