"""What the access log and redaction cost: a call page with and without its log entry (prints).

Run: `.venv/bin/python bench/access_log_cost.py [--rounds 5] [--requests 200]` (SQLite by
default; set DATABASE_URL for PostgreSQL; a throw-away test database is created and dropped).

- page: GET /dashboard/calls/<sid>/ for a call of 40 turns and 40 events, through Django's
  test client (no network), with the access-log insert and with it replaced by a no-op,
  alternating the two over rounds; median and p90 per variant, and the median difference.
- redaction: the cost of masking one finished turn, and one live transcript delta, of typical
  length (what the call log pays per record; the audio path pays nothing).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arsproject.settings")
os.environ.setdefault("ARS_SKIP_DOTENV", "1")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

LINE = "네, 제 전화번호는 공일공 구팔칠육 오사삼이이고요, 주문한 상품이 아직 안 왔어요."


def make_call():
    """A finished call with 40 turns and 40 events."""
    from calls.models import Call, CallEvent, Utterance

    call = Call.objects.create(call_sid="CA" + "e" * 32, from_number="+821098765432")
    Utterance.objects.bulk_create(
        Utterance(call=call, speaker="caller" if n % 2 else "agent", text=LINE, started_ms=n)
        for n in range(40)
    )
    CallEvent.objects.bulk_create(
        CallEvent(call=call, kind="dtmf", data={"digit": str(n % 10)}) for n in range(40)
    )
    return call


def time_requests(client: Client, url: str, count: int) -> list[float]:
    """Milliseconds per GET."""
    times = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return times


def page_cost(rounds: int, requests: int) -> None:
    """Alternate the page with and without the access-log insert."""
    from calls.monitoring import dashboard_views

    user = get_user_model().objects.create_user("bench", password="pw-bench-1", is_staff=True)
    client = Client()
    client.force_login(user)
    url = f"/dashboard/calls/{make_call().call_sid}/"
    real = dashboard_views.record_request
    time_requests(client, url, 20)  # warm up templates and connections
    results: dict[str, list[float]] = {"with log": [], "without log": []}
    for _ in range(rounds):
        for name in results:
            dashboard_views.record_request = real if name == "with log" else lambda *a, **k: None
            results[name] += time_requests(client, url, requests)
    dashboard_views.record_request = real
    for name, times in results.items():
        p90 = statistics.quantiles(times, n=10)[-1]
        print(f"call page {name:12}: median {statistics.median(times):.2f} ms, p90 {p90:.2f} ms")
    diff = statistics.median(results["with log"]) - statistics.median(results["without log"])
    print(f"access-log insert adds {diff:.2f} ms to the median ({connection.vendor})")


def insert_cost(count: int = 500) -> None:
    """The insert alone, timed back to back (steadier than the page difference)."""
    from calls.compliance.access_log import record_access

    user = get_user_model().objects.get(username="bench")
    start = time.perf_counter()
    for _ in range(count):
        record_access(user, "view_call", call_sid="CA" + "e" * 32, address="127.0.0.1")
    per = (time.perf_counter() - start) / count * 1000
    print(f"one access-log insert: {per:.3f} ms ({connection.vendor})")


def redaction_cost() -> None:
    """Per-record cost of masking a finished turn and a live delta."""
    from calls.compliance.policy import RedactionPolicy
    from calls.compliance.redaction import ALL_CATEGORIES

    policy = RedactionPolicy(ALL_CATEGORIES, caller_number="+821012345678")
    for name, mask in (("finished turn", policy.text), ("live delta", policy.partial)):
        count = 2000
        start = time.perf_counter()
        for n in range(count):
            mask(LINE[: 20 + n % (len(LINE) - 20)])
        per = (time.perf_counter() - start) / count * 1e6
        print(f"redaction of one {name:13}: {per:.0f} µs ({len(LINE)} characters at most)")


def main() -> None:
    """Set up a throw-away database, measure, drop it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        page_cost(args.rounds, args.requests)
        insert_cost()
        redaction_cost()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
