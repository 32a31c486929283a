"""CallLog: the bridge's observer in Django; sends records to the recorder and the monitor."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from channels.db import database_sync_to_async
from django.utils import timezone

from calls.compliance.policy import RedactionPolicy
from calls.live.observer import CallCounters, UtteranceRecord
from calls.monitoring import live_events as events
from calls.records import recording_files as recordings
from calls.records import services
from calls.records.recorder import recorder
from calls.records.services import ClaimedCall

logger = logging.getLogger(__name__)

PARTIALS_KEPT = 4  # turns in progress whose text a new watcher is sent
UTTERANCES_RESENT = 3  # finished turns a new watcher is sent (the recorder may not have them yet)


class CallLog:
    """Turns bridge reports into database rows (queued) and live events (queued).

    Every record reaches the database; the detail stream reaches the channel layer only while a
    supervisor's lease (`watch`) runs, and a new watcher first gets what its database snapshot
    may lack: the status, the last finished turns and the text of turns in progress. Sequence
    numbers count published events only, so a watcher never sees a gap that is not a loss.

    Personal data is masked here, once per record (a finished turn, an event, a published
    delta), never per audio frame: what is stored and published is redacted, while the model
    (upstream of the bridge) still hears everything. Partial text is kept raw in memory and
    masked only when it is published to a watcher.
    """

    def __init__(self, claimed: ClaimedCall, clock: Callable[[], float] = time.monotonic):
        self.call = claimed
        self.seq = 0
        self.state = events.CallState.CONNECTING
        self.counters = CallCounters()
        self.clock = clock
        self.watched_until = float("-inf")
        self.partials: OrderedDict[str, tuple[str, str]] = OrderedDict()  # item -> speaker, text
        self.recent_utterances: deque[dict] = deque(maxlen=UTTERANCES_RESENT)
        self.redaction = RedactionPolicy.for_call(claimed.config, claimed.from_number)

    def next_seq(self) -> int:
        """Per-call sequence number of live events."""
        self.seq += 1
        return self.seq

    @property
    def watched(self) -> bool:
        """Whether a supervisor's lease on the detail stream is running."""
        return self.clock() < self.watched_until

    def watch(self, seconds: float) -> None:
        """A supervisor subscribed (or renewed): publish details for `seconds` from now."""
        newly_watched = not self.watched
        self.watched_until = max(self.watched_until, self.clock() + max(0.0, seconds))
        if newly_watched and self.watched:
            self.catch_up()

    def catch_up(self) -> None:
        """Send a new watcher the status, the last finished turns and the turns in progress."""
        events.publish(self.status_event(self.counters))
        for fields in self.recent_utterances:
            events.publish(events.UtteranceEvent(self.call.call_sid, self.next_seq(), **fields))
        for item_id, (speaker, text) in self.partials.items():
            self.publish_partial(speaker, item_id, text)

    def status_event(self, counters: CallCounters, status="in_progress", end_reason=""):
        """A full status snapshot of the call."""
        config = self.call.config
        return events.CallStatusEvent(
            call_sid=self.call.call_sid,
            seq=self.next_seq(),
            state=self.state,
            status=status,
            from_number=self.call.from_number,
            to_number=self.call.to_number,
            profile_name=config.profile_name,
            started_at=self.call.started_at,
            end_reason=end_reason,
            turns=counters.turns,
            interruptions=counters.interruptions,
            last_latency_ms=counters.last_latency_ms,
        )

    def state_changed(self, state: str, counters: CallCounters) -> None:
        """Publish the new state as a full snapshot (to the call's watchers if any)."""
        self.state = state
        self.counters = counters
        events.publish(self.status_event(counters), to_call_group=self.watched)

    def transcript_delta(self, speaker: str, item_id: str, text_so_far: str) -> None:
        """Keep the partial text for a future watcher; publish it while watched."""
        self.partials[item_id] = (speaker, text_so_far)
        self.partials.move_to_end(item_id)
        if len(self.partials) > PARTIALS_KEPT:
            self.partials.popitem(last=False)
        if self.watched:
            self.publish_partial(speaker, item_id, text_so_far)

    def publish_partial(self, speaker: str, item_id: str, text_so_far: str) -> None:
        """Publish the text of a turn so far."""
        events.publish(
            events.TranscriptDeltaEvent(
                call_sid=self.call.call_sid,
                seq=self.next_seq(),
                speaker=speaker,
                item_id=item_id,
                text=self.redaction.partial(text_so_far),
            )
        )

    def utterance(self, record: UtteranceRecord) -> None:
        """Queue the turn (personal data masked) for the database and publish it."""
        text = self.redaction.text(record.text)
        heard_text = self.redaction.text(record.heard_text)
        fields = {
            "speaker": record.speaker,
            "text": text,
            "item_id": record.item_id,
            "started_ms": record.started_ms,
            "ended_ms": record.ended_ms,
            "interrupted": record.interrupted,
            "heard_text": heard_text,
            "generated_ms": record.generated_ms,
            "played_ms": record.played_ms,
            "latency_ms": record.latency_ms,
            "metrics": record.metrics,
        }
        if self.redaction.keep_unredacted and text != record.text:
            fields["unredacted_text"] = record.text
        recorder.record(
            self.call.call_sid,
            f"{record.speaker} utterance",
            services.add_utterance,
            self.call.call_id,
            fields,
        )
        self.partials.pop(record.item_id, None)
        live = {
            "speaker": record.speaker,
            "item_id": record.item_id,
            "text": text,
            "heard_text": heard_text,
            "interrupted": record.interrupted,
            "started_ms": record.started_ms,
            "latency_ms": record.latency_ms,
        }
        self.recent_utterances.append(live)
        if self.watched:
            events.publish(events.UtteranceEvent(self.call.call_sid, self.next_seq(), **live))

    def event(self, kind: str, data: dict, offset_ms: int | None, actor_id=None) -> None:
        """Queue a timeline entry (personal data masked, tool arguments too) and publish it."""
        data = self.redaction.value(data)
        recorder.record(
            self.call.call_sid,
            f"{kind} event",
            services.add_event,
            self.call.call_id,
            kind,
            data,
            offset_ms,
            actor_id,
        )
        if not self.watched:
            return
        events.publish(
            events.TimelineEvent(
                call_sid=self.call.call_sid,
                seq=self.next_seq(),
                kind=kind,
                offset_ms=offset_ms,
                data=data,
            )
        )

    def turn_metrics(self, item_id: str, metrics: dict) -> None:
        """Publish one turn's latencies (they are stored with its utterance)."""
        if not self.watched:
            return
        events.publish(
            events.TurnMetricsEvent(
                call_sid=self.call.call_sid, seq=self.next_seq(), item_id=item_id, **metrics
            )
        )

    async def end_call(self, reason: str, counters: CallCounters) -> None:
        """Store the end reason before the Twilio socket closes: connect-action reads it."""
        try:
            await database_sync_to_async(services.set_end_reason)(self.call.call_sid, reason)
        except Exception:  # database down: connect-action will answer with the apology path
            logger.exception("could not store end reason %s", reason)
            recorder.record(
                self.call.call_sid,
                "end reason",
                services.set_end_reason,
                self.call.call_sid,
                reason,
            )

    async def save_recording(self, recording) -> None:
        """Write the WAV beside the event loop and note its file on the call."""
        try:
            name = await asyncio.to_thread(recordings.write, self.call.call_sid, recording)
        except OSError:
            logger.exception("could not write the recording")
            return
        recorder.record(
            self.call.call_sid, "recording file", services.set_recording, self.call.call_id, name
        )

    def summary(self, text: str, reason: str, categories: tuple[str, ...]) -> None:
        """Queue the post-call summary (masked; validated when stored), or "요약 없음" and why."""
        sid = self.call.call_sid
        if text:
            text = self.redaction.text(text)  # the model's JSON; masks stay inside its strings
            recorder.record(
                sid, "post-call summary", services.store_summary, sid, text, list(categories)
            )
        else:
            recorder.record(sid, "post-call summary", services.store_no_summary, sid, reason)

    async def finalize(self, reason: str, counters: CallCounters, session: dict) -> None:
        """Queue the final state of the call and tell the wallboard it ended."""
        recorder.record(
            self.call.call_sid,
            "final call state",
            services.finalize_call,
            self.call.call_sid,
            reason,
            counters,
            session,
            timezone.now(),  # the row may be written later than this
        )
        self.state = events.CallState.ENDED
        ended = self.status_event(counters, status="ended", end_reason=reason)
        events.publish(ended, to_call_group=self.watched)
