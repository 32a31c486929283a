"""Plain synchronous ORM operations on calls, used at the edges of a call and by the recorder."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from calls.compliance.notice import NOTICE_EVENT
from calls.live.observer import CallCounters
from calls.models import NO_SUMMARY, Call, CallEvent, CallStatus, EndReason, Utterance
from calls.operations.lost_calls import this_process
from calls.records.call_summary import InvalidSummary, parse_summary
from calls.records.cost import cost_of, prices_for
from prompts.services import active_config
from prompts.snapshot import CallConfig

TWILIO_FINAL_STATUSES = {
    "completed": CallStatus.COMPLETED,
    "busy": CallStatus.BUSY,
    "failed": CallStatus.FAILED,
    "no-answer": CallStatus.NO_ANSWER,
    "canceled": CallStatus.CANCELED,
}


DURATION_PATTERN = re.compile(r"[0-9]{1,7}")  # seconds, ASCII digits, under about 115 days


class StreamRefused(Exception):
    """The media stream does not belong to a call we answered (close 4008)."""


@dataclass(frozen=True)
class ClaimedCall:
    """What the media consumer needs once the stream is verified."""

    call_id: int
    call_sid: str
    from_number: str
    to_number: str
    started_at: str
    config: CallConfig


def hash_token(token: str) -> str:
    """Only the hash of a stream token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


class KnownCall(Exception):
    """A voice webhook for a CallSid we already answered: it gets no new token (a replay)."""

    def __init__(self, status: str):
        super().__init__(f"call already {status}")
        self.status = status


def answer_call(params: dict) -> tuple[Call, str]:
    """Create the call row for a webhook, freeze its configuration, mint a one-time token.

    A CallSid is answered once: a second webhook for it (a captured request replayed, or a
    retry) raises KnownCall and changes nothing, so a finished call stays finished.
    """
    existing = Call.objects.filter(call_sid=params["CallSid"]).values_list("status", flat=True)
    if status := existing.first():
        raise KnownCall(status)
    config = active_config(params.get("To", ""))
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            call = Call.objects.create(
                call_sid=params["CallSid"],
                account_sid=params.get("AccountSid", ""),
                from_number=params.get("From", "")[:32],
                to_number=params.get("To", "")[:32],
                status=CallStatus.RINGING,
                profile_id=config.profile_id,
                prompt_version_id=config.prompt_version_id,
                config=config.to_dict(),
                stream_token_hash=hash_token(token),
            )
            if config.notice_text:  # the events record that the notice was given, and its text
                CallEvent.objects.create(
                    call=call,
                    kind=NOTICE_EVENT,
                    offset_ms=0,
                    data={"text": config.notice_text, "voice": config.notice_voice},
                )
    except IntegrityError:  # the same CallSid raced in from another request
        raise KnownCall(CallStatus.RINGING) from None
    return call, token


@transaction.atomic
def claim_stream(call_sid: str, account_sid: str, token: str, stream_sid: str) -> ClaimedCall:
    """Check the stream's token and sids against the call row; the token works once."""
    call = Call.objects.select_for_update().filter(call_sid=call_sid).first()
    if call is None:
        raise StreamRefused("unknown CallSid")
    if call.account_sid and not hmac.compare_digest(call.account_sid, account_sid):
        raise StreamRefused("accountSid does not match the call")
    if not token or not hmac.compare_digest(call.stream_token_hash, hash_token(token)):
        raise StreamRefused("wrong call_token")
    if call.stream_token_used:
        raise StreamRefused("call_token already used")
    if timezone.now() - call.started_at > timedelta(seconds=settings.STREAM_TOKEN_SECONDS):
        raise StreamRefused("call_token expired")
    call.stream_token_used = True
    call.stream_sid = stream_sid
    call.status = CallStatus.IN_PROGRESS
    call.answered_at = call.owner_seen_at = timezone.now()
    call.owner = this_process()  # if this process dies, another finalises the call
    call.save(
        update_fields=[
            "stream_token_used",
            "stream_sid",
            "status",
            "answered_at",
            "owner",
            "owner_seen_at",
        ]
    )
    return ClaimedCall(
        call_id=call.pk,
        call_sid=call.call_sid,
        from_number=call.from_number,
        to_number=call.to_number,
        started_at=call.started_at.isoformat(),
        config=CallConfig.from_dict(call.config),
    )


def set_end_reason(call_sid: str, reason: str) -> None:
    """Store why our side ended the call; connect-action answers from it."""
    Call.objects.filter(call_sid=call_sid).update(end_reason=reason)


def finalize_call(
    call_sid: str, reason: str, counters: CallCounters, session: dict, ended_at=None
) -> None:
    """The stream is over: status, end reason (unless already set), duration and totals.

    `ended_at` is when the stream ended (the write may come later). Twilio's status callback
    may have been stored first: its "completed" does not hide that the call failed on our side.
    """
    call = Call.objects.filter(call_sid=call_sid).first()
    if call is None:
        return
    now = ended_at or timezone.now()
    call.end_reason = call.end_reason or reason
    failed = call.end_reason in (EndReason.AI_UNAVAILABLE, EndReason.ERROR)
    if call.status in (CallStatus.RINGING, CallStatus.IN_PROGRESS):
        call.status = CallStatus.FAILED if failed else CallStatus.COMPLETED
    elif failed and call.status == CallStatus.COMPLETED:
        call.status = CallStatus.FAILED
    call.ended_at = now
    if call.duration_seconds is None:
        call.duration_seconds = max(0, round((now - call.started_at).total_seconds()))
    call.turns = counters.turns
    call.interruptions = counters.interruptions
    call.input_tokens = counters.input_tokens
    call.output_tokens = counters.output_tokens
    call.protocol_errors = counters.protocol_errors
    call.last_response_latency_ms = counters.last_latency_ms
    call.avg_response_latency_ms = counters.avg_latency_ms
    call.metrics = {**call.metrics, "response_latencies_ms": counters.latencies_ms}
    call.usage = dict(counters.usage)
    call.cost, call.cost_currency = price_call((call.config or {}).get("model", ""), call.usage)
    if session:
        call.session_config = session
    call.save()


def record_status_callback(call_sid: str, twilio_status: str, duration: str | None) -> bool:
    """Store Twilio's final status and CallDuration; False when the call is unknown."""
    call = Call.objects.filter(call_sid=call_sid).first()
    if call is None:
        return False
    fields = ["duration_seconds"]
    if duration and DURATION_PATTERN.fullmatch(duration):
        call.duration_seconds = int(duration)
    status = TWILIO_FINAL_STATUSES.get(twilio_status)
    if status is not None and not (status == CallStatus.COMPLETED and call.status == "failed"):
        call.status = status
        fields.append("status")
    if call.ended_at is None:
        call.ended_at = timezone.now()
        fields.append("ended_at")
    call.save(update_fields=fields)
    return True


def end_reason_of(call_sid: str) -> str | None:
    """The stored end reason of a call, None when the call is unknown."""
    return Call.objects.filter(call_sid=call_sid).values_list("end_reason", flat=True).first()


def add_utterance(call_id: int, fields: dict) -> None:
    """Store one finished turn."""
    Utterance.objects.create(call_id=call_id, **fields)


def add_utterances(rows: list[tuple[int, dict]]) -> None:
    """Store many finished turns, given as add_utterance's arguments, in one statement."""
    Utterance.objects.bulk_create([Utterance(call_id=c, **fields) for c, fields in rows])


add_utterance.many = add_utterances  # the recorder writes a batch's turns together


def add_event(call_id: int, kind: str, data: dict, offset_ms: int | None, actor_id=None) -> None:
    """Store one timeline entry."""
    CallEvent.objects.create(**event_fields(call_id, kind, data, offset_ms, actor_id))


def add_events(rows: list[tuple]) -> None:
    """Store many timeline entries, given as add_event's arguments, in one statement."""
    CallEvent.objects.bulk_create([CallEvent(**event_fields(*args)) for args in rows])


add_event.many = add_events  # the recorder writes a batch's timeline entries together


def event_fields(call_id: int, kind: str, data: dict, offset_ms: int | None, actor_id=None):
    """A CallEvent's fields from add_event's arguments."""
    return {
        "call_id": call_id,
        "kind": kind,
        "data": data,
        "offset_ms": offset_ms,
        "actor_id": actor_id,
    }


def update_live_counters(call_id: int, counters: dict) -> None:
    """Store a call's running totals while it is live."""
    Call.objects.filter(pk=call_id).update(**counters)


def bump_protocol_errors(call_id: int, count: int = 1) -> None:
    """Count protocol errors on the call row."""
    Call.objects.filter(pk=call_id).update(protocol_errors=F("protocol_errors") + count)


def set_recording(call_id: int, file_name: str) -> None:
    """Note where a call's recording is stored."""
    Call.objects.filter(pk=call_id).update(recording=file_name)


def price_call(model: str, usage: dict) -> tuple[Decimal | None, str]:
    """A call's cost and currency from its token counts; (None, "") for a model without prices."""
    prices = prices_for(model, settings.OPENAI_PRICES)
    if prices is None:
        return None, ""
    return cost_of(usage, prices), settings.OPENAI_PRICE_CURRENCY


def store_summary(call_sid: str, answer: str, categories: list[str]) -> dict | None:
    """Validate the model's post-call answer and store it; on failure store "요약 없음" and why."""
    try:
        summary = parse_summary(answer, categories)
    except InvalidSummary as error:
        store_no_summary(call_sid, str(error))
        return None
    save_summary(call_sid, summary)
    return summary


def save_summary(call_sid: str, summary: dict) -> None:
    """Store a validated summary on the call and note it on the timeline."""
    call = Call.objects.filter(call_sid=call_sid).only("id").first()
    if call is None:
        return
    Call.objects.filter(pk=call.pk).update(**summary)
    CallEvent.objects.create(call=call, kind="summary", data=summary)


def store_no_summary(call_sid: str, reason: str) -> None:
    """The call gets "요약 없음" and a timeline event saying why (invalid answer, timeout, …)."""
    call = Call.objects.filter(call_sid=call_sid).only("id").first()
    if call is None:
        return
    Call.objects.filter(pk=call.pk).update(summary=NO_SUMMARY, category="", resolved=None)
    CallEvent.objects.create(call=call, kind="summary_failed", data={"reason": reason[:500]})
