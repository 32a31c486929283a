"""Wallboard KPI queries against a million calls on PostgreSQL: each must take under 50 ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ars_bench .venv/bin/python -m bench.kpi_queries

Seeds CALLS calls spread evenly over DAYS days up to now (10,000 a day by default: a busy
contact centre), two agent turns with a latency per call and a few dozen live calls, with
generate_series in the database (a minute or two), then times each query the wallboard runs
(median and worst of RUNS) and prints EXPLAIN ANALYZE of the heaviest. The database is wiped:
give it a database of its own.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

SEED_CALLS = """
INSERT INTO calls_call (
    call_sid, account_sid, stream_sid, from_number, to_number, status, end_reason, config,
    session_config, stream_token_hash, stream_token_used, started_at, answered_at, ended_at,
    duration_seconds, turns, interruptions, input_tokens, output_tokens, protocol_errors,
    metrics, recording, summary, category, resolved, sentiment, usage, cost, cost_currency
)
SELECT
    'CA' || lpad(to_hex(n), 32, '0'), '', '', '+8210' || lpad((n %% 100000000)::text, 8, '0'),
    '+8215880000',
    CASE WHEN n %% 50 = 0 THEN 'failed' ELSE 'completed' END,
    CASE WHEN n %% 50 = 0 THEN 'ai_unavailable' WHEN n %% 5 = 0 THEN 'transferred'
         ELSE 'caller_hangup' END,
    '{}', '{}', '', true, started, started, started + interval '90 seconds',
    30 + n %% 300, 4, (n %% 7 = 0)::int, 2000, 800, 0, '{}', '', '요약',
    (ARRAY['배송', '주문 변경', '환불', '불만', '상담원 연결 요청', '기타'])[1 + n %% 6],
    n %% 3 <> 0, (ARRAY['긍정', '중립', '부정'])[1 + n %% 3], '{}', 0.02 + (n %% 10) / 1000.0, 'USD'
FROM (
    SELECT n, now() - (%(span)s * (n::float / %(calls)s)) * interval '1 second' AS started
    FROM generate_series(1, %(calls)s) AS n
) AS seeded
"""
SEED_TURNS = """
INSERT INTO calls_utterance (call_id, speaker, text, heard_text, interrupted, item_id,
                             latency_ms, metrics, created_at)
SELECT c.id, 'agent', '네', '', false, '', 300 + (c.id * 37 + turn * 101) % 1500, '{}',
       c.started_at + turn * interval '20 seconds'
FROM calls_call c, generate_series(1, 2) AS turn
"""
SEED_LIVE = """
UPDATE calls_call SET status = 'in_progress', end_reason = '', ended_at = NULL,
       duration_seconds = NULL
WHERE id IN (SELECT id FROM calls_call ORDER BY started_at DESC LIMIT %(live)s)
"""


def setup_django() -> None:
    """Configure the project against DATABASE_URL (PostgreSQL) and create its tables."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arsproject.settings")
    os.environ.update(ARS_SKIP_DOTENV="1", LOG_LEVEL="warning")
    import django
    from django.core.management import call_command

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("set DATABASE_URL to a PostgreSQL database of its own")
    call_command("migrate", verbosity=0)


def seed(calls: int, days: int, live: int) -> None:
    """Wipe the call log and fill it with generated calls, turns and live calls."""
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE calls_callevent, calls_utterance, calls_call RESTART IDENTITY CASCADE"
        )
        cursor.execute(SEED_CALLS, {"calls": calls, "span": days * 86400})
        cursor.execute(SEED_TURNS)
        cursor.execute(SEED_LIVE, {"live": live})
        cursor.execute("ANALYZE calls_call")
        cursor.execute("ANALYZE calls_utterance")
    print(f"seeded {calls:,} calls over {days} days in {time.monotonic() - started:.0f} s")


def timed(runs: int, query) -> tuple[float, float]:
    """Median and worst milliseconds of a query over `runs` runs."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        query()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def queries():
    """The wallboard's queries, by name, as the snapshot runs them."""
    import datetime as dt

    from django.utils import timezone

    from calls.monitoring import kpis

    now = timezone.now()
    today, _ = kpis.day_window(timezone.localdate(now))
    hour_ago = now - dt.timedelta(hours=1)
    yesterday = kpis.day_window(timezone.localdate(now) - dt.timedelta(days=1))
    return {
        "today: counts and sums": lambda: kpis.window_totals(today, now),
        "today: latency p50/p95": lambda: kpis.latency_percentiles(today, now),
        "last hour: all figures": lambda: kpis.window_figures(hour_ago, now),
        "full day (yesterday): sums": lambda: kpis.window_totals(*yesterday),
        "full day (yesterday): p50/p95": lambda: kpis.latency_percentiles(*yesterday),
        "full day (yesterday): all": lambda: kpis.window_figures(*yesterday),
        "live now": kpis.live_now,
        "24 h chart": lambda: kpis.hourly(now),
        "categories today": lambda: kpis.by_category(today, now),
        "thresholds": kpis.thresholds,
        "whole snapshot": lambda: kpis.wallboard_kpis(now),
    }


def explain() -> None:
    """EXPLAIN ANALYZE of the SQL the wallboard runs for a full day, for the record."""
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from calls.monitoring import kpis

    yesterday = kpis.day_window(timezone.localdate() - dt.timedelta(days=1))
    with CaptureQueriesContext(connection) as captured:
        kpis.window_figures(*yesterday)
        kpis.hourly(timezone.now())
    for query in captured.captured_queries:
        print(f"\n{query['sql'][:160]}…")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            print("\n".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    """Seed, time, explain."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--calls", type=int, default=1_000_000, help="calls to seed (default 1000000)"
    )
    parser.add_argument("--days", type=int, default=100, help="days they spread over (default 100)")
    parser.add_argument("--live", type=int, default=40, help="calls left in progress (default 40)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per query (default 20)")
    parser.add_argument("--no-seed", action="store_true", help="reuse the calls already seeded")
    args = parser.parse_args()
    setup_django()
    if not args.no_seed:
        seed(args.calls, args.days, args.live)
    print(f"\n{'query':34} {'median ms':>10} {'worst ms':>10}  under 50 ms")
    for name, query in queries().items():
        median, worst = timed(args.runs, query)
        print(f"{name:34} {median:10.1f} {worst:10.1f}  {'yes' if worst < 50 else 'NO'}")
    explain()


if __name__ == "__main__":
    main()
