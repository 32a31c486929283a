"""Issue 21's figures in one run: CPU and added latency, first audio, memory by call length.

Run: `.venv/bin/python bench/performance.py [--rounds 3] [--calls 50 100] [--window 20]
[--memory-calls 50] [--minutes 1 10] [--memory-database-url postgres://…]` (about an hour with
the defaults; a quick look: `--rounds 1 --window 10 --minutes 0.5 2`).

In turn, on a quiet machine (each part starts its own servers and stops them):
1. bench/bridge_latency.py with recording on: ours on daphne against both bare relays (the
   `websockets` one and the aiohttp one) at every N; CPU per call-second and added p99 each way
   are judged against the faster floor of each round;
2. bench/first_audio.py: time from `start` to the first agent audio at the caller, without the
   greeting cache and with it (fake first audio 800 ms, 50 calls);
3. bench/call_memory.py: server RSS per call after 1 and 10 minutes of call, recording on.
Every part prints its own table; a last block puts each target beside its median and range.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import bridge_latency, call_memory, first_audio
from bench.bridge_report import BRIDGES, FLOORS, cpu_ratio, faster_floor, sub
from bench.stats import summary

CPU_TARGET = 1.75  # x the faster floor's CPU per call-second
ADDED_P99_TARGET_MS = 2.0
CACHED_P50_TARGET_MS, CACHED_P99_TARGET_MS = 50.0, 100.0


def verdict(values: list[float], ok) -> str:
    """'met' when the median of the values passes `ok`."""
    values = [v for v in values if v is not None]
    if not values:
        return "not measured"
    return "met" if ok(statistics.median(values)) else "NOT met"


def bridge_targets(figures, calls: list[int], rounds: int) -> list[str]:
    """CPU ratio and added p99 against the faster floor, per N."""
    by_key = {(f.kind, f.calls, f.round_no): f for f in figures}
    lines = []
    for n in calls:
        ratios, added_in, added_out = [], [], []
        for round_no in range(1, rounds + 1):
            ours = by_key.get((BRIDGES[0], n, round_no))
            floor = faster_floor([by_key.get((kind, n, round_no)) for kind in FLOORS])
            if ours is None or floor is None:
                continue
            ratios.append(cpu_ratio(ours, floor))
            added_in.append(sub(ours.in_p99, floor.in_p99))
            added_out.append(sub(ours.out_p99, floor.out_p99))
        lines.append(
            f"{n} calls: CPU per call-second vs the faster floor {summary(ratios, 'x')}, "
            f"target <= {CPU_TARGET}x: {verdict(ratios, lambda v: v <= CPU_TARGET)}"
        )
        added = [*added_in, *added_out]
        lines.append(
            f"{n} calls: added p99 in {summary(added_in, ' ms')}, out {summary(added_out, ' ms')}, "
            f"target <= {ADDED_P99_TARGET_MS:g} ms each way: "
            f"{verdict(added, lambda v: v <= ADDED_P99_TARGET_MS)}"
        )
    return lines


def first_audio_targets(result) -> list[str]:
    """Cached (the target) and uncached (today's path) first-audio figures."""
    p50s, p99s = result.medians("cached")
    lines = [
        f"first audio, cached greeting: p50 {summary(p50s, ' ms', 1)} "
        f"(target <= {CACHED_P50_TARGET_MS:g}: "
        f"{verdict(p50s, lambda v: v <= CACHED_P50_TARGET_MS)}), p99 {summary(p99s, ' ms', 1)} "
        f"(target <= {CACHED_P99_TARGET_MS:g}: "
        f"{verdict(p99s, lambda v: v <= CACHED_P99_TARGET_MS)})"
    ]
    p50s, p99s = result.medians("uncached")
    lines.append(
        f"first audio, no cache (model asked): p50 {summary(p50s, ' ms', 1)}, "
        f"p99 {summary(p99s, ' ms', 1)}"
    )
    return lines


async def run(args: argparse.Namespace) -> str:
    """The three parts in turn, then the targets."""
    bridge_args = bridge_latency.parse_args(
        ["--calls", *map(str, args.calls), "--rounds", str(args.rounds)]
        + ["--window", str(args.window), "--record"]
    )
    figures = await bridge_latency.Bench(bridge_args).run()
    audio_args = first_audio.parse_args(
        ["--calls", str(args.first_audio_calls), "--rounds", str(args.rounds)]
    )
    audio = await first_audio.measure(audio_args)
    minutes = sorted(args.minutes)
    memory = await call_memory.CallMemoryBench(
        args.memory_calls, minutes, args.rounds, args.memory_database_url
    ).run()
    targets = [
        *bridge_targets(figures, args.calls, args.rounds),
        *first_audio_targets(audio),
        *call_memory.summary_lines(memory, minutes),
    ]
    return "\n\n".join(
        [
            bridge_latency.render(figures, bridge_args),
            first_audio.render(audio, audio_args),
            call_memory.render(memory, minutes),
            f"targets (issue 21), median (range) over {args.rounds} rounds:\n"
            + "\n".join(f"  {line}" for line in targets),
        ]
    )


def parse_args(argv=None) -> argparse.Namespace:
    """Flags."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, nargs="+", default=[50, 100])
    parser.add_argument("--window", type=float, default=20.0, help="seconds of CPU measured")
    parser.add_argument("--first-audio-calls", type=int, default=50)
    parser.add_argument("--memory-calls", type=int, default=50)
    parser.add_argument("--minutes", type=float, nargs="+", default=[1, 10])
    parser.add_argument(
        "--memory-database-url", default="", help="the memory part's database (default SQLite)"
    )
    return parser.parse_args(argv)


def main(argv=None) -> None:
    """Run and print."""
    args = parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        print(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
