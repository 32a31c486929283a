"""Plain synchronous queries behind monitoring: wallboard snapshot, today's totals, one call."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Avg, Count, Q
from django.utils import timezone

from calls.models import LIVE_STATUSES, Call, CallStatus, EndReason
from calls.monitoring.call_data import detail_data, status_data
from calls.monitoring.kpis import wallboard_kpis

WALLBOARD_LIMIT = 500
FAILED_REASONS = (EndReason.AI_UNAVAILABLE, EndReason.STREAM_REFUSED, EndReason.ERROR)


def live_calls() -> list[Call]:
    """Calls that have not ended, oldest first (the wallboard's rows)."""
    calls = Call.objects.filter(status__in=LIVE_STATUSES).select_related("profile")
    return list(calls.order_by("started_at")[:WALLBOARD_LIMIT])


def today_totals(now: dt.datetime | None = None) -> dict[str, Any]:
    """Today's (Asia/Seoul) calls, average length of ended ones, transfers and failures."""
    local_now = timezone.localtime(now or timezone.now())
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    totals = Call.objects.filter(started_at__gte=midnight).aggregate(
        calls=Count("id"),
        average_seconds=Avg("duration_seconds"),
        transfers=Count("id", filter=Q(end_reason=EndReason.TRANSFERRED)),
        failures=Count("id", filter=Q(status=CallStatus.FAILED) | Q(end_reason__in=FAILED_REASONS)),
    )
    average = totals["average_seconds"]
    totals["average_seconds"] = round(average) if average is not None else None
    return totals


def wallboard_snapshot(reveal: bool) -> dict[str, Any]:
    """The wallboard's opening state: every live call and today's totals."""
    calls = live_calls()
    return {
        "type": "snapshot",
        "target": "wallboard",
        "calls": [status_data(call, reveal) for call in calls],
        "totals": today_totals(),
        "kpis": wallboard_kpis(),
    }


def find_call(call_sid: str) -> Call | None:
    """The call with this SID, with its profile and prompt version, or None."""
    related = ("profile", "prompt_version")
    return Call.objects.select_related(*related).filter(call_sid=call_sid).first()


def call_snapshot(call_sid: str, reveal: bool) -> dict[str, Any] | None:
    """One call's opening state from the database, or None when there is no such call."""
    call = find_call(call_sid)
    if call is None:
        return None
    return {"type": "snapshot", "target": "call", "live": call.is_live, **detail_data(call, reveal)}
