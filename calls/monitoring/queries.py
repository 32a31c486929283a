"""Plain synchronous queries behind monitoring: wallboard snapshot and one call."""

from __future__ import annotations

from typing import Any

from calls.models import LIVE_STATUSES, Call
from calls.monitoring.call_data import detail_data, status_data
from calls.monitoring.kpis import wallboard_kpis

WALLBOARD_LIMIT = 500


def live_calls() -> list[Call]:
    """Calls that have not ended, oldest first (the wallboard's rows)."""
    calls = Call.objects.filter(status__in=LIVE_STATUSES).select_related("profile")
    return list(calls.order_by("started_at")[:WALLBOARD_LIMIT])


def totals_of(today: dict[str, Any]) -> dict[str, Any]:
    """The older `totals` shape (calls, average length, transfers, failures) from today's KPIs."""
    return {
        "calls": today["calls"],
        "average_seconds": today["avg_handle_seconds"],
        "transfers": today["transferred"],
        "failures": today["failures"],
    }


def wallboard_snapshot(reveal: bool) -> dict[str, Any]:
    """The wallboard's opening state: every live call and today's totals."""
    calls = live_calls()
    kpis = wallboard_kpis()
    return {
        "type": "snapshot",
        "target": "wallboard",
        "calls": [status_data(call, reveal) for call in calls],
        "totals": totals_of(kpis["today"]),
        "kpis": kpis,
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
