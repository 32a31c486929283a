"""The wallboard's figures against a seeded day of calls whose outcomes are known.

Runs on SQLite and, with DATABASE_URL set, on PostgreSQL (where percentiles are computed in
the database): the figures must be the same.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import Call, Utterance
from calls.monitoring.kpis import day_stats, nearest_rank, wallboard_kpis

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    """A local (Asia/Seoul) time on the seeded day."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def seeded_day(default_profile):
    """Ten calls on DAY: 6 handled by the AI, 2 transferred, 1 failed, 1 still live."""
    n = iter(range(1000))

    def call(started, **fields):
        values = {
            "call_sid": f"CAkpi{next(n):04d}",
            "profile": default_profile,
            "started_at": started,
            "status": "completed",
            "end_reason": "caller_hangup",
            "duration_seconds": 60,
            "turns": 4,
            "cost": Decimal("0.010000"),
        }
        return Call.objects.create(**{**values, **fields})

    contained = [
        call(at(10, i), category="배송", interruptions=1 if i < 3 else 0) for i in range(4)
    ]
    contained += [call(at(11, i), category="환불") for i in range(2)]
    call(at(11, 30), end_reason="transferred", duration_seconds=120, category="상담원 연결 요청")
    call(at(11, 40), end_reason="transferred", duration_seconds=120, category="상담원 연결 요청")
    call(at(11, 50), status="failed", end_reason="ai_unavailable", duration_seconds=10, turns=4)
    call(at(11, 55), status="in_progress", end_reason="", duration_seconds=None, turns=0, cost=None)
    call(at(12, 0, DAY - dt.timedelta(days=1)), category="불만")  # the day before: not counted
    for i, latency in enumerate(range(100, 2001, 100)):  # 20 agent turns: 100 … 2000 ms
        Utterance.objects.create(
            call=contained[i % 6],
            speaker="agent",
            text="네",
            latency_ms=latency,
            created_at=at(10 + i % 2, 30),
        )
    Utterance.objects.create(
        call=contained[0],
        speaker="agent",
        text="x",
        latency_ms=9999,
        created_at=at(9, 0, DAY - dt.timedelta(days=1)),
    )
    Utterance.objects.create(
        call=contained[0], speaker="caller", text="y", latency_ms=5, created_at=at(10)
    )


def test_the_days_figures_match_the_seeded_outcomes(seeded_day):
    stats = day_stats(DAY)
    assert stats["calls"] == 10
    assert stats["containment_rate"] == 66.7  # 6 of 9 ended calls
    assert stats["transfer_rate"] == 22.2  # 2 of 9
    assert stats["failures"] == 1
    assert stats["avg_handle_seconds"] == 68  # (6×60 + 2×120 + 10) / 9
    assert stats["barge_in_rate"] == 8.3  # 3 interrupted of 36 agent turns
    assert (stats["latency_p50_ms"], stats["latency_p95_ms"]) == (1000, 1900)
    assert stats["cost"] == 0.09
    assert stats["by_category"] == [
        {"category": "배송", "calls": 4},
        {"category": "상담원 연결 요청", "calls": 2},
        {"category": "환불", "calls": 2},
        {"category": "미분류", "calls": 1},
    ]


def test_the_wallboard_has_today_the_last_hour_and_24_hours(seeded_day):
    kpis = wallboard_kpis(now=at(12, 0))
    assert kpis["today"]["calls"] == 10 and kpis["today"]["live"] == 1
    last_hour = kpis["last_hour"]  # 11:00–12:00: 2 contained, 2 transferred, 1 failed, 1 live
    assert (last_hour["calls"], last_hour["containment_rate"]) == (6, 40.0)
    assert len(kpis["hourly"]) == 24
    by_label = {hour["label"]: hour for hour in kpis["hourly"]}
    assert (by_label["10"]["calls"], by_label["10"]["contained"]) == (4, 4)
    assert (by_label["11"]["calls"], by_label["11"]["contained"]) == (6, 2)
    assert kpis["hourly"][-1]["label"] == "12" and kpis["hourly"][0]["label"] == "13"
    assert sum(hour["calls"] for hour in kpis["hourly"]) == 10  # yesterday 12:00 is 24 h ago
    assert kpis["thresholds"]["latency_p95_ms"]["alert_at"] == 1500


def test_an_empty_day_has_no_rates_rather_than_zero(db):
    stats = day_stats(DAY)
    assert stats["calls"] == 0
    assert stats["containment_rate"] is None and stats["latency_p95_ms"] is None


def test_nearest_rank_follows_its_definition():
    assert nearest_rank([5, 1, 3][:0], 0.5) is None
    assert nearest_rank([1, 2, 3, 4], 0.5) == 2
    assert nearest_rank([1, 2, 3, 4], 0.95) == 4


def test_the_stats_api_returns_a_days_figures(client, staff_user, seeded_day):
    client.force_login(staff_user)
    body = client.get(reverse("api-stats"), {"date": DAY.isoformat()}).json()
    assert (body["date"], body["calls"], body["latency_p95_ms"]) == ("2026-03-10", 10, 1900)
    assert body["by_category"][0] == {"category": "배송", "calls": 4}
    assert client.get(reverse("api-stats"), {"date": "10/03/2026"}).status_code == 400


def test_the_stats_api_needs_staff(client):
    assert client.get(reverse("api-stats")).status_code == 401
