"""CallLog: the bridge's observer in Django; sends records to the recorder and the monitor."""

from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async

from calls import events, recordings, services
from calls.call_observer import CallCounters, UtteranceRecord
from calls.recorder import recorder
from calls.services import ClaimedCall

logger = logging.getLogger(__name__)


class CallLog:
    """Turns bridge reports into database rows (queued) and live events (queued)."""

    def __init__(self, claimed: ClaimedCall):
        self.call = claimed
        self.seq = 0
        self.state = events.CallState.CONNECTING

    def next_seq(self) -> int:
        """Per-call sequence number of live events."""
        self.seq += 1
        return self.seq

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
        """Publish the new state as a full snapshot."""
        self.state = state
        events.publish(self.status_event(counters))

    def transcript_delta(self, speaker: str, item_id: str, text_so_far: str) -> None:
        """Publish partial text."""
        events.publish(
            events.TranscriptDeltaEvent(
                call_sid=self.call.call_sid,
                seq=self.next_seq(),
                speaker=speaker,
                item_id=item_id,
                text=text_so_far,
            )
        )

    def utterance(self, record: UtteranceRecord) -> None:
        """Queue the turn for the database and publish it."""
        fields = {
            "speaker": record.speaker,
            "text": record.text,
            "item_id": record.item_id,
            "started_ms": record.started_ms,
            "ended_ms": record.ended_ms,
            "interrupted": record.interrupted,
            "heard_text": record.heard_text,
            "generated_ms": record.generated_ms,
            "played_ms": record.played_ms,
            "latency_ms": record.latency_ms,
            "metrics": record.metrics,
        }
        recorder.record(
            self.call.call_sid,
            f"{record.speaker} utterance",
            services.add_utterance,
            self.call.call_id,
            fields,
        )
        events.publish(
            events.UtteranceEvent(
                call_sid=self.call.call_sid,
                seq=self.next_seq(),
                speaker=record.speaker,
                item_id=record.item_id,
                text=record.text,
                heard_text=record.heard_text,
                interrupted=record.interrupted,
                started_ms=record.started_ms,
                latency_ms=record.latency_ms,
            )
        )

    def event(self, kind: str, data: dict, offset_ms: int | None, actor_id=None) -> None:
        """Queue a timeline entry and publish it."""
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
        )
        self.state = events.CallState.ENDED
        events.publish(self.status_event(counters, status="ended", end_reason=reason))
