"""Time to the agent's first audio at the caller after `start`, with and without the greeting cache.

Run: `.venv/bin/python bench/first_audio.py [--calls 50] [--rounds 3] [--delay-ms 800]`.

A fresh daphne per configuration, in front of the bench's fake Realtime server (its own process)
whose first audio of every response takes `--delay-ms` (800 ms: a model's set-up and first-audio
latency). N simulated callers (calls/simulator's Twilio caller on the real clock, over loopback)
dial within `--ramp-s` and stay on the line for `--hold-s`, so about N calls are up at once;
each measures from the moment its `start` message left to the moment the first agent audio
arrived (its playout starts on arrival when nothing is buffered). `--ramp-s 0` dials all at
the same instant (a burst: webhooks and stream claims queue behind each other).

- `uncached`: GREETING_CACHE_DIR=off, the model is asked for the greeting on every call;
- `cached`: one warm-up call records the greeting, then every call plays it from the cache.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import servers
from bench.stats import fmt, percentile, summary, table
from calls.simulator.twilio_caller import TwilioCaller


async def first_audio_ms(
    base_url: str, index: int, whole: bool = False, delay_s: float = 0.0, hold_s: float = 0.0
) -> float | None:
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
    await asyncio.sleep(delay_s)  # the ramp: calls arrive one after another
    call = await caller.dial()
    started = call.now_ms  # dial() returns once `start` has been sent
    try:
        await call.wait_for(lambda c: c.heard, timeout=10)
        first = call.heard[0][0] - started
        if whole:
            await call.wait_for(lambda c: c.buffered_ms == 0 and c.heard_ms > 1000, timeout=20)
        elif hold_s:
            until = call.now_ms + hold_s * 1000
            await call.wait_for(lambda c: c.now_ms >= until, timeout=hold_s + 10)
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
        step = args.ramp_s / max(1, args.calls)
        times = await asyncio.gather(
            *(
                first_audio_ms(daphne.base_url, i + 1, delay_s=i * step, hold_s=args.hold_s)
                for i in range(args.calls)
            )
        )
    finally:
        await daphne.stop()
    return [t for t in times if t is not None]


@dataclass
class FirstAudio:
    """Every round's first-audio times: p50 and p99 per kind, in ms."""

    rows: list[list[str]] = field(default_factory=list)
    by_kind: dict[str, list[tuple]] = field(default_factory=lambda: {"uncached": [], "cached": []})

    def medians(self, kind: str) -> tuple[list[float], list[float]]:
        """The rounds' p50s and p99s of one kind (rounds without figures left out)."""
        figures = self.by_kind[kind]
        return [p for p, _ in figures if p is not None], [p for _, p in figures if p is not None]


async def measure(args) -> FirstAudio:
    """Rounds of uncached then cached."""
    tmp = Path(tempfile.mkdtemp(prefix="ars-first-audio-"))
    fake = await servers.start_fake(speed=1.0, first_audio_delay_ms=args.delay_ms)
    result = FirstAudio()
    try:
        for round_no in range(1, args.rounds + 1):
            for kind in ("uncached", "cached"):
                times = await run_config(args, kind == "cached", fake, tmp)
                p50, p99 = percentile(times, 50), percentile(times, 99)
                result.by_kind[kind].append((p50, p99))
                result.rows.append([f"{kind} r{round_no}", str(len(times)), fmt(p50), fmt(p99)])
                print(f"  measured first audio {kind} round {round_no}", file=sys.stderr)
    finally:
        await fake.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def render(result: FirstAudio, args) -> str:
    """A table of p50/p99 per round and the medians."""
    lines = [
        f"first_audio: {args.calls} calls dialled within {args.ramp_s:g} s, each held "
        f"{args.hold_s:g} s, fake first audio {args.delay_ms} ms; "
        "ms from `start` sent to the first agent audio at the caller",
        table(["config", "calls", "p50", "p99"], result.rows),
    ]
    for kind in result.by_kind:
        p50s, p99s = result.medians(kind)
        if p50s:
            lines.append(f"  {kind}: p50 {summary(p50s, ' ms')}, p99 {summary(p99s, ' ms')}")
    return "\n".join(lines)


def parse_args(argv=None) -> argparse.Namespace:
    """Flags."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50, help="simultaneous calls (default 50)")
    parser.add_argument("--rounds", type=int, default=3, help="uncached/cached pairs (default 3)")
    parser.add_argument(
        "--delay-ms", type=int, default=800, help="the fake's first-audio delay (default 800)"
    )
    parser.add_argument(
        "--ramp-s", type=float, default=5.0, help="dial all calls within this (default 5; 0: burst)"
    )
    parser.add_argument(
        "--hold-s", type=float, default=6.0, help="each call stays this long (default 6)"
    )
    return parser.parse_args(argv)


def main(argv=None) -> None:
    """Run and print."""
    args = parse_args(argv)
    print(render(asyncio.run(measure(args)), args))


if __name__ == "__main__":
    main()
