"""Time from Twilio's `start` to the call's OpenAI session being configured (prints figures).

Run: `.venv/bin/python bench/start_latency.py [--calls 30] [--connect-delay-ms 0 150]`.

In one process: our ASGI app (test settings, a fresh SQLite file), the fake Realtime server and a
hand-driven Twilio stream per call. For each call the webhook row is created, the signed socket
opens, `connected` and `start` follow at once (as Twilio sends them), and the figure is the time
from sending `start` to the fake receiving the bridge's `session.update` (the session is usable
from then on). `--connect-delay-ms` holds each OpenAI handshake that long, like the TLS and
upgrade round trips to the real service. Modes: `early` (the OpenAI socket opens at the upgrade,
before `start`) and, where this checkout has the bound (MAX_UNVERIFIED_STREAMS), `deferred`
(over the bound: it opens after `start` is verified). Calls run one after another.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WORK = tempfile.mkdtemp(prefix="ars-start-latency-")
os.environ["DJANGO_SETTINGS_MODULE"] = "arsproject.test_settings"
os.environ["DATABASE_URL"] = f"sqlite:///{WORK}/bench.sqlite3"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from calls.simulator.fake_realtime import FakeRealtimeServer  # noqa: E402


class SlowHandshakeServer(FakeRealtimeServer):
    """The fake Realtime server, answering each handshake after a fixed delay."""

    delay_s = 0.0

    async def _check_request(self, connection, request):
        await asyncio.sleep(self.delay_s)
        return super()._check_request(connection, request)


async def one_call(number: int, fake: FakeRealtimeServer) -> float:
    """Run one call up to its session.update; seconds from `start` sent to its arrival."""
    from channels.db import database_sync_to_async

    from calls.records import services
    from tests.calls.streams import signed_stream, start, stop

    call_sid = f"CA{number:032x}"
    params = {"CallSid": call_sid, "AccountSid": settings.TWILIO_ACCOUNT_SID, "To": "+1"}
    _, token = await database_sync_to_async(services.answer_call)(params)
    stream = await signed_stream()
    await stream.send_to('{"event": "connected", "protocol": "Call", "version": "1.0.0"}')
    sent_at = time.perf_counter()
    await stream.send_to(start(call_sid, token))
    session = await fake.next_session(10)  # one session per call, in order
    while not any(e.event.get("type") == "session.update" for e in session.received):  # noqa: ASYNC110
        await asyncio.sleep(0.0005)  # the fake records what it received; poll its list
    elapsed = time.perf_counter() - sent_at
    await stream.send_to(stop())
    await stream.disconnect()
    return elapsed


async def run_mode(mode: str, calls: int, delay_ms: int, first: int) -> list[float]:
    """Measure `calls` calls in one mode."""
    settings.MAX_UNVERIFIED_STREAMS = 0 if mode == "deferred" else 20
    async with SlowHandshakeServer(api_key=settings.OPENAI_API_KEY) as fake:
        fake.delay_s = delay_ms / 1000
        settings.OPENAI_REALTIME_URL = fake.url
        return [await one_call(first + n, fake) for n in range(calls)]


async def main_async(args: argparse.Namespace) -> None:
    """Every mode at every delay, printed as a table."""
    has_bound = hasattr(settings, "MAX_UNVERIFIED_STREAMS")
    modes = ["early", "deferred"] if has_bound else ["early"]
    print(f"{'mode':<9} {'connect delay':>13} {'calls':>6}  start -> session.update (ms)")
    counter = 0
    for delay_ms in args.connect_delay_ms:
        for mode in modes:
            seconds = await run_mode(mode, args.calls, delay_ms, counter)
            counter += args.calls
            print(f"{mode:<9} {delay_ms:>10} ms {args.calls:>6}  {percentiles(seconds)}")


def percentiles(seconds: list[float]) -> str:
    """p50, p95 and max in milliseconds."""
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"p50 {statistics.median(ms):.1f}  p95 {p95:.1f}  max {ms[-1]:.1f}"


def main(argv=None) -> None:
    """Parse arguments, prepare the database, run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--connect-delay-ms", type=int, nargs="+", default=[0, 150])
    args = parser.parse_args(argv)
    call_command("migrate", verbosity=0)
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
