"""Calls as plain JSON-ready dicts, shared by the monitor socket, the pages and the API.

Caller numbers are masked but for their last four digits unless the viewer is a superuser; the
same rule holds for pages, the socket and API tokens (a token acts as its user).
"""

from __future__ import annotations

from typing import Any

from calls.models import Call, CallEvent, CallStatus, Utterance
from calls.monitoring.live_events import CallState

MASK = "*"


def mask_number(number: str, reveal: bool = False) -> str:
    """The number in the usual Korean masked form (010-****-2007); only the last four show.

    A Korean number (+82… or 0…) is written nationally with its middle group starred; any
    other number keeps its length with every digit but the last four starred.
    """
    if reveal or len(number) <= 4:
        return number
    digits = "".join(ch for ch in number if ch.isdigit())
    if number.startswith("+82"):
        digits = "0" + digits[2:]
    if digits.startswith("0") and 9 <= len(digits) <= 11:
        head = 2 if digits.startswith("02") else 3
        middle = len(digits) - head - 4
        return f"{digits[:head]}-{MASK * middle}-{digits[-4:]}"
    return MASK * (len(number) - 4) + number[-4:]


def can_see_numbers(user) -> bool:
    """Whether this viewer sees full caller numbers (superusers only)."""
    return bool(getattr(user, "is_superuser", False))


def mask_message(message: dict[str, Any], reveal: bool) -> dict[str, Any]:
    """A live event with its caller number masked for this viewer."""
    if reveal or not message.get("from_number"):
        return message
    return {**message, "from_number": mask_number(message["from_number"])}


def state_from_row(call: Call) -> str:
    """The wallboard state a call row implies before the live process says more."""
    if not call.is_live:
        return CallState.ENDED
    if call.status == CallStatus.RINGING or call.answered_at is None:
        return CallState.CONNECTING
    return CallState.IDLE


def iso(value) -> str | None:
    """An aware datetime as ISO 8601, or None."""
    return value.isoformat() if value else None


def status_data(call: Call, reveal: bool) -> dict[str, Any]:
    """A call row in the shape of a `call.status` event (seq None: it comes from the database)."""
    return {
        "type": "call.status",
        "call_sid": call.call_sid,
        "seq": None,
        "state": state_from_row(call),
        "status": call.status,
        "from_number": mask_number(call.from_number, reveal),
        "to_number": call.to_number,
        "profile_name": call.profile.name if call.profile else "",
        "started_at": iso(call.started_at),
        "end_reason": call.end_reason,
        "turns": call.turns,
        "interruptions": call.interruptions,
        "last_latency_ms": call.last_response_latency_ms,
    }


def summary_data(call: Call, reveal: bool) -> dict[str, Any]:
    """A call for lists: its status plus timing and totals."""
    return {
        **status_data(call, reveal),
        "answered_at": iso(call.answered_at),
        "ended_at": iso(call.ended_at),
        "duration_seconds": call.duration_seconds,
        "avg_latency_ms": call.avg_response_latency_ms,
        "prompt_version": call.prompt_version.number if call.prompt_version else None,
        "summary": call.summary,
        "category": call.category,
        "resolved": call.resolved,
        "sentiment": call.sentiment,
        "cost": float(call.cost) if call.cost is not None else None,
        "cost_currency": call.cost_currency,
    }


def utterance_data(utterance: Utterance) -> dict[str, Any]:
    """One finished turn, in the shape of a `call.utterance` event."""
    return {
        "type": "call.utterance",
        "speaker": utterance.speaker,
        "item_id": utterance.item_id,
        "text": utterance.text,
        "heard_text": utterance.heard_text,
        "interrupted": utterance.interrupted,
        "started_ms": utterance.started_ms,
        "latency_ms": utterance.latency_ms,
        "metrics": utterance.metrics,
    }


def event_data(event: CallEvent) -> dict[str, Any]:
    """One timeline entry, in the shape of a `call.event` event."""
    return {
        "type": "call.event",
        "kind": event.kind,
        "at": iso(event.at),
        "offset_ms": event.offset_ms,
        "data": event.data,
        "actor": event.actor.get_username() if event.actor else "",
    }


def settings_data(call: Call) -> dict[str, Any]:
    """The prompt version and VAD settings frozen onto the call."""
    config = call.config or {}
    return {
        "prompt_version": config.get("prompt_version_number")
        or (call.prompt_version.number if call.prompt_version else None),
        "voice": config.get("voice", ""),
        "model": config.get("model", ""),
        "vad": config.get("vad", {}),
    }


def detail_data(call: Call, reveal: bool) -> dict[str, Any]:
    """Everything about one call: summary, settings, transcript, timeline and metrics."""
    return {
        "call": summary_data(call, reveal),
        "settings": settings_data(call),
        "utterances": [utterance_data(u) for u in call.utterances.all()],
        "events": [event_data(e) for e in call.events.select_related("actor")],
        "metrics": {
            "turns": call.turns,
            "interruptions": call.interruptions,
            "last_latency_ms": call.last_response_latency_ms,
            "avg_latency_ms": call.avg_response_latency_ms,
            "input_tokens": call.input_tokens,
            "output_tokens": call.output_tokens,
            "protocol_errors": call.protocol_errors,
            **(call.metrics or {}),
        },
    }
