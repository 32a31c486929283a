"""Seed a server's database with a day of finished calls and one call with a full timeline.

Run inside the server's environment: `python -m tests.monitoring.seed_calls` prints the SID
of the call whose timeline has one event of every kind.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

OUTCOMES = [  # (status, end_reason, category): 6 AI-handled, 2 transferred, 1 failed per cycle
    ("completed", "caller_hangup", "배송"),
    ("completed", "agent_hangup", "배송"),
    ("completed", "caller_hangup", "주문 변경"),
    ("completed", "agent_hangup", "환불"),
    ("completed", "caller_hangup", "배송"),
    ("completed", "caller_hangup", "기타"),
    ("completed", "transferred", "상담원 연결 요청"),
    ("completed", "transferred", "불만"),
    ("failed", "ai_unavailable", ""),
]
TIMELINE = [  # (offset ms, kind, data)
    (4200, "barge_in", {"item_id": "item_1", "played_ms": 2300, "generated_ms": 5100}),
    (9100, "dtmf", {"digit": "1"}),
    (
        12500,
        "tool_call",
        {"name": "lookup_order", "latency_ms": 420, "result": {"status": "배송 중"}},
    ),
    (
        20100,
        "reconnect",
        {"attempt": 1, "gap_ms": 1800, "buffered_frames": 90, "dropped_frames": 0},
    ),
    (
        25000,
        "supervisor_coach",
        {"action": "coach", "actor_name": "팀장", "text": "환불 규정을 안내하세요"},
    ),
    (30000, "ai_error", {"code": "rate_limit_exceeded", "message": "Rate limit reached"}),
    (41000, "call_ended", {"reason": "caller_hangup"}),
    (
        42000,
        "summary",
        {
            "summary": "고객이 주문 1234번의 배송 상태를 문의했습니다. 내일 도착 예정입니다.",
            "category": "배송",
            "resolved": True,
            "sentiment": "긍정",
        },
    ),
]


def seed(now: dt.datetime) -> str:
    """Calls over the last 20 hours and the last minutes; returns the timeline call's SID."""
    from calls.models import Call, CallEvent, Utterance
    from prompts.models import AgentProfile

    profile = AgentProfile.objects.filter(is_default=True).first()
    starts = [now - dt.timedelta(minutes=25 * i + 3) for i in range(45)]
    starts += [now - dt.timedelta(seconds=20 + 5 * i) for i in range(9)]  # so today is never empty
    for i, started in enumerate(starts):
        status, reason, category = OUTCOMES[i % len(OUTCOMES)]
        call = Call.objects.create(
            call_sid=f"CA{i + 1:032x}",
            from_number=f"+8210555{i:05d}"[:13],
            to_number="+8215880000",
            profile=profile,
            status=status,
            end_reason=reason,
            category=category,
            started_at=started,
            answered_at=started,
            ended_at=started + dt.timedelta(seconds=15),
            duration_seconds=60 + 17 * (i % 9),
            turns=4,
            interruptions=1 if i % 4 == 0 else 0,
            cost=Decimal("0.0180") + Decimal(i % 5) / 1000,
            cost_currency="USD",
        )
        for turn in range(2):
            Utterance.objects.create(
                call=call,
                speaker="agent",
                text="네, 확인해 드리겠습니다.",
                started_ms=1000 + turn * 5000,
                latency_ms=500 + (i * 97 + turn * 311) % 1400,
                created_at=started + dt.timedelta(seconds=turn + 1),
            )
    rich = Call.objects.get(call_sid=f"CA{1:032x}")
    rich.summary = TIMELINE[-1][2]["summary"]
    rich.resolved, rich.sentiment = True, "긍정"
    rich.save()
    for offset, kind, data in TIMELINE:
        CallEvent.objects.create(call=rich, kind=kind, offset_ms=offset, data=data)
    return rich.call_sid


if __name__ == "__main__":
    import django

    django.setup()
    from django.utils import timezone

    print(seed(timezone.now()))
