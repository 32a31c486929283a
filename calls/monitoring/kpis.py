"""The contact centre's figures: calls, containment, transfers, handle time, latency, cost.

One indexed range scan of `Call.started_at` per window gives the counts and sums; latency
percentiles come from agent turns (`Utterance.latency_ms`, a partial covering index on
`created_at`), nearest-rank, computed by PostgreSQL's percentile_disc or, on SQLite, in Python.
Rates are percentages with one decimal, None when nothing was there to count.

Definitions: containment = ended calls that ended without a transfer or a failure, over ended
calls; transfer rate = transferred over ended calls; barge-in rate = agent turns the caller
interrupted over agent turns; handle time = mean duration of ended calls.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone

from calls.models import LIVE_STATUSES, Call, CallStatus, EndReason, KpiThreshold, Utterance

FAILED_REASONS = (EndReason.AI_UNAVAILABLE, EndReason.STREAM_REFUSED, EndReason.ERROR)
ENDED = ~Q(status__in=LIVE_STATUSES)
FAILED = Q(status=CallStatus.FAILED) | Q(end_reason__in=FAILED_REASONS)
TRANSFERRED = Q(end_reason=EndReason.TRANSFERRED)
CONTAINED = ENDED & ~TRANSFERRED & ~FAILED
UNCATEGORISED = "미분류"


def day_window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """A local (Asia/Seoul) calendar day as [start, end)."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def rate(part: int | None, whole: int | None) -> float | None:
    """part/whole as a percentage with one decimal; None for an empty whole."""
    if not whole:
        return None
    return round(100 * (part or 0) / whole, 1)


def window_figures(start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """The KPI figures of calls that started in [start, end)."""
    totals = window_totals(start, end)
    p50, p95 = latency_percentiles(start, end)
    handle = totals["handle"]
    return {
        "calls": totals["calls"],
        "ended": totals["ended"],
        "containment_rate": rate(totals["contained"], totals["ended"]),
        "transfer_rate": rate(totals["transferred"], totals["ended"]),
        "transferred": totals["transferred"],
        "avg_handle_seconds": round(handle) if handle is not None else None,
        "latency_p50_ms": p50,
        "latency_p95_ms": p95,
        "barge_in_rate": rate(totals["interruptions"], totals["turns"]),
        "failures": totals["failures"],
        "cost": money(totals["cost"]),
        "cost_currency": settings.OPENAI_PRICE_CURRENCY,
    }


def window_totals(start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """Counts and sums of calls that started in [start, end): one range scan."""
    return Call.objects.filter(started_at__gte=start, started_at__lt=end).aggregate(
        calls=Count("id"),
        ended=Count("id", filter=ENDED),
        contained=Count("id", filter=CONTAINED),
        transferred=Count("id", filter=ENDED & TRANSFERRED),
        failures=Count("id", filter=FAILED),
        handle=Avg("duration_seconds", filter=ENDED),
        turns=Sum("turns"),
        interruptions=Sum("interruptions"),
        cost=Sum("cost"),
    )


def money(value: Decimal | None) -> float:
    """A cost sum as a JSON number with 4 decimals (0 when there is none)."""
    return float(round(value or Decimal(0), 4))


def latency_percentiles(start: dt.datetime, end: dt.datetime) -> tuple[int | None, int | None]:
    """Nearest-rank p50 and p95 of agent response latency for turns in [start, end)."""
    turns = Utterance.objects.filter(
        speaker="agent", latency_ms__isnull=False, created_at__gte=start, created_at__lt=end
    ).order_by()  # the model's ordering would join calls and sort: not needed for a percentile
    if connection.vendor == "postgresql":
        return postgres_percentiles(turns)
    values = sorted(turns.values_list("latency_ms", flat=True))
    return nearest_rank(values, 0.50), nearest_rank(values, 0.95)


def nearest_rank(values: list[int], fraction: float) -> int | None:
    """The smallest value with at least `fraction` of the values at or below it."""
    if not values:
        return None
    return values[max(0, math.ceil(fraction * len(values)) - 1)]


def postgres_percentiles(turns) -> tuple[int | None, int | None]:
    """percentile_disc over the filtered turns, in the database (same rule as nearest_rank)."""
    sql, params = turns.values("latency_ms").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY latency_ms),"
            f" percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_ms) FROM ({sql}) AS turns",
            params,
        )
        p50, p95 = cursor.fetchone()
    return p50, p95


def live_now() -> int:
    """Calls in progress right now."""
    return Call.objects.filter(status__in=LIVE_STATUSES).count()


def hourly(end: dt.datetime, hours: int = 24) -> list[dict[str, Any]]:
    """Calls and contained calls per local hour for the `hours` hours up to `end`."""
    last = timezone.localtime(end).replace(minute=0, second=0, microsecond=0)
    first = last - dt.timedelta(hours=hours - 1)
    rows = (
        Call.objects.filter(started_at__gte=first, started_at__lt=end)
        .annotate(hour=TruncHour("started_at", tzinfo=timezone.get_current_timezone()))
        .values("hour")
        .annotate(calls=Count("id"), contained=Count("id", filter=CONTAINED))
    )
    by_hour = {timezone.localtime(row["hour"]): row for row in rows}
    buckets = []
    for n in range(hours):
        hour = first + dt.timedelta(hours=n)
        row = by_hour.get(hour, {})
        buckets.append(
            {
                "hour": hour.isoformat(),
                "label": f"{hour:%H}",
                "calls": row.get("calls", 0),
                "contained": row.get("contained", 0),
            }
        )
    return buckets


def by_category(start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """Ended calls per category in [start, end), largest first; no category is "미분류"."""
    rows = (
        Call.objects.filter(ENDED, started_at__gte=start, started_at__lt=end)
        .values("category")
        .annotate(calls=Count("id"))
        .order_by("-calls", "category")
    )
    return [{"category": row["category"] or UNCATEGORISED, "calls": row["calls"]} for row in rows]


def day_cost(day: dt.date) -> float:
    """The summed cost of one local day's calls (the per-day total /metrics exports)."""
    start, end = day_window(day)
    total = Call.objects.filter(started_at__gte=start, started_at__lt=end).aggregate(Sum("cost"))
    return money(total["cost__sum"])


def thresholds() -> dict[str, dict]:
    """The staff's tile thresholds, by KPI name."""
    return {t.kpi: t.as_dict() for t in KpiThreshold.objects.all()}


def day_stats(day: dt.date) -> dict[str, Any]:
    """GET /api/stats/: one local day's figures and its category breakdown."""
    start, end = day_window(day)
    return {
        "date": day.isoformat(),
        **window_figures(start, end),
        "by_category": by_category(start, end),
    }


def wallboard_kpis(now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the wallboard's tiles and charts show: today, the last hour, 24 h, categories."""
    now = now or timezone.now()
    start, _ = day_window(timezone.localdate(now))
    return {
        "today": {**window_figures(start, now + dt.timedelta(seconds=1)), "live": live_now()},
        "last_hour": window_figures(now - dt.timedelta(hours=1), now + dt.timedelta(seconds=1)),
        "hourly": hourly(now + dt.timedelta(seconds=1)),
        "by_category": by_category(start, now + dt.timedelta(seconds=1)),
        "thresholds": thresholds(),
        "updated_at": now.isoformat(),
    }
