"""Time to the agent's first audio at the caller after `start`, with and without the greeting cache.

Run: `.venv/bin/python bench/first_audio.py [--calls 50] [--rounds 3] [--delay-ms 800]`.

A fresh daphne per configuration, in front of the bench's fake Realtime server (its own process)
whose first audio of every response takes `--delay-ms` (800 ms: a model's set-up and first-audio
latency). N simulated callers (calls/simulator's Twilio caller on the real clock, over loopback)
dial at once; each measures from the moment its `start` message left to the moment the first
agent audio arrived (its playout starts on arrival when nothing is buffered).

- `uncached`: GREETING_CACHE_DIR=off, the model is asked for the greeting on every call;
- `cached`: one warm-up call records the greeting, then every call plays it from the cache.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import servers
from bench.stats import fmt, percentile, table
from calls.simulator.twilio_caller import TwilioCaller


async def first_audio_ms(base_url: str, index: int, whole: bool = False) -> float | None:
    """One call: ms from `start` sent to the first agent audio; None if none came.

    With `whole`, the caller listens to the whole greeting before hanging up (so it is recorded).
    """
    caller = TwilioCaller(
        base_url=base_url,
        auth_token=servers.AUTH_TOKEN,
        account_sid=servers.ACCOUNT_SID,
        from_number=f"+8210{20000000 + index}",
        to_number="+8215880000",
        clock="real",
    )
    call = await caller.dial()
    started = call.now_ms  # dial() returns once `start` has been sent
    try:
        await call.wait_for(lambda c: c.heard, timeout=10)
        first = call.heard[0][0] - started
        if whole:
            await call.wait_for(lambda c: c.buffered_ms == 0 and c.heard_ms > 1000, timeout=20)
        return first
    except TimeoutError:
        return None
    finally:
        await call.hang_up()


async def wait_for_greeting(folder: Path) -> None:
    """The warm-up call's greeting is written beside the call, just after it ends."""

    def written() -> bool:
        return any(folder.glob("*.json"))

    async with asyncio.timeout(10):
        while not await asyncio.to_thread(written):  # noqa: ASYNC110 - a file: no event
            await asyncio.sleep(0.05)


async def run_config(args, cached: bool, fake: servers.ControlledProcess, tmp: Path) -> list:
    """A fresh daphne; N simultaneous calls; their first-audio times."""
    database_url = f"sqlite:///{tmp / ('cached' if cached else 'uncached')}.sqlite3"
    realtime_url = f"ws://127.0.0.1:{fake.port}/v1/realtime"
    port = servers.free_port()
    env = servers.server_env(database_url, port, realtime_url)
    env["GREETING_CACHE_DIR"] = str(tmp / "greetings") if cached else "off"
    await asyncio.to_thread(servers.migrate, env)
    daphne = servers.Daphne(port, env, log_path=tmp / f"daphne-{port}.log")
    await daphne.start()
    try:
        await first_audio_ms(daphne.base_url, 0, whole=True)  # warm-up; records the greeting
        if cached:
            await wait_for_greeting(tmp / "greetings")
        times = await asyncio.gather(
            *(first_audio_ms(daphne.base_url, i + 1) for i in range(args.calls))
        )
    finally:
        await daphne.stop()
    return [t for t in times if t is not None]


async def main_async(args) -> str:
    """Rounds of uncached then cached; a table of p50/p99 per round and the medians."""
    tmp = Path(tempfile.mkdtemp(prefix="ars-first-audio-"))
    fake = await servers.start_fake(speed=1.0, first_audio_delay_ms=args.delay_ms)
    rows, by_kind = [], {"uncached": [], "cached": []}
    try:
        for round_no in range(1, args.rounds + 1):
            for kind in ("uncached", "cached"):
                times = await run_config(args, kind == "cached", fake, tmp)
                p50, p99 = percentile(times, 50), percentile(times, 99)
                by_kind[kind].append((p50, p99))
                rows.append([f"{kind} r{round_no}", str(len(times)), fmt(p50), fmt(p99)])
    finally:
        await fake.close()
    lines = [
        f"first_audio: {args.calls} calls at once, fake first audio {args.delay_ms} ms; "
        "ms from `start` sent to the first agent audio at the caller",
        table(["config", "calls", "p50", "p99"], rows),
    ]
    for kind, figures in by_kind.items():
        p50s = [p for p, _ in figures if p is not None]
        p99s = [p for _, p in figures if p is not None]
        if p50s:
            lines.append(
                f"  {kind}: p50 median {fmt(statistics.median(p50s))} "
                f"(range {fmt(min(p50s))}-{fmt(max(p50s))}), p99 median "
                f"{fmt(statistics.median(p99s))} (range {fmt(min(p99s))}-{fmt(max(p99s))})"
            )
    return "\n".join(lines)


def parse_args(argv=None) -> argparse.Namespace:
    """Flags."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50, help="simultaneous calls (default 50)")
    parser.add_argument("--rounds", type=int, default=3, help="uncached/cached pairs (default 3)")
    parser.add_argument(
        "--delay-ms", type=int, default=800, help="the fake's first-audio delay (default 800)"
    )
    return parser.parse_args(argv)


def main(argv=None) -> None:
    """Run and print."""
    print(asyncio.run(main_async(parse_args(argv))))


if __name__ == "__main__":
    main()
