"""Server memory per call by call length, with recording on (prints figures; real time).

Run: `.venv/bin/python bench/call_memory.py [--calls 50] [--minutes 1 10] [--rounds 1]
[--database-url postgres://postgres@127.0.0.1:5432/ars_bench]`.

A fresh daphne (recording every call, stereo WAV) in front of the bench's fake Realtime server
(bench/fake_ai.py, its own process) takes one short call, which starts its memory upkeep (a
full garbage collection and malloc trim every 30 s); after the first upkeep pass its RSS is the
baseline (the median of readings every second over 30 s). Then N simulated calls (bench/load.py:
real-time caller audio, barge-ins, marks echoed as played) stay on the line until the longest
checkpoint. At each checkpoint (minutes since the last call was dialled) the RSS is again the
median of readings every second over the 30 s before it (one upkeep cycle), and RSS per call =
(that - baseline) / N. Memory is flat in call length when the figure at 10 minutes is within
10 % of the figure at 1 minute (issue 21). The recordings are written when the calls end.

--warm-minutes M first runs N calls for M minutes and lets them end before the baseline: the
heap then starts in the shape a server that has carried calls has (but the baseline also holds
what those calls' endings left, which the next calls reuse).

The database is a fresh SQLite file per round unless --database-url names one (migrated;
earlier rounds' calls stay in it). SQLite's page cache lives in the server process and fills
as the database grows (up to 2 MiB per connection): a per-process ceiling that shows up here
divided by N.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bench import servers
from bench.load import Behaviour, Shared, SimCall, Target, speech_frames
from bench.stats import fmt, summary, table

MIB = 1024 * 1024
GROWTH_TARGET = 0.10  # RSS per call at the last checkpoint within 10 % of the first (issue 21)
UPKEEP_S = 30.0  # the server's MEMORY_UPKEEP_SECONDS (its default)


@dataclass
class Run:
    """One round: RSS per call (MiB) at each checkpoint, and how the calls went."""

    round_no: int
    calls: int
    base_mib: float = 0.0
    per_call_mib: dict[float, float] = field(default_factory=dict)
    failed_calls: int = 0
    recordings: int = 0

    def growth(self, first: float, last: float) -> float | None:
        """Per-call RSS at `last` over the figure at `first`, minus one (0.05 = +5 %)."""
        start, end = self.per_call_mib.get(first), self.per_call_mib.get(last)
        if not start or end is None:
            return None
        return end / start - 1


class CallMemoryBench:
    """Rounds of N long recorded calls against one fake AI, a fresh daphne per round."""

    def __init__(
        self,
        calls: int,
        minutes: list[float],
        rounds: int,
        database_url: str = "",
        sample_s: float = 30.0,
        warm_minutes: float = 0.0,
    ):
        self.calls = calls
        self.warm_minutes = warm_minutes
        self.sample_s = sample_s
        self.database_url = database_url
        self.minutes = sorted(minutes)
        self.rounds = rounds
        self.tmp = Path(tempfile.mkdtemp(prefix="ars-call-memory-"))
        self.speech = speech_frames(seed=11)
        self.next_call_no = 1

    async def run(self) -> list[Run]:
        """Every round in turn; progress on stderr."""
        fake = await servers.start_fake(speed=5.0, chunk_ms=50, first_audio_delay_ms=300)
        self.realtime_url = f"ws://127.0.0.1:{fake.port}/v1/realtime"
        self.shared = Shared(fake=fake)
        runs = []
        try:
            async with aiohttp.ClientSession() as http:
                self.shared.http = http
                for round_no in range(1, self.rounds + 1):
                    runs.append(await self.measure(round_no))
                    print(f"  measured call memory round {round_no}", file=sys.stderr, flush=True)
        finally:
            await fake.close()
            shutil.rmtree(self.tmp, ignore_errors=True)
        return runs

    async def measure(self, round_no: int) -> Run:
        """A fresh database and daphne; warm-up; N calls; RSS at every checkpoint."""
        folder = self.tmp / f"round-{round_no}"
        folder.mkdir()
        database_url = self.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
        port = servers.free_port()
        env = servers.server_env(database_url, port, self.realtime_url)
        env["RECORDINGS_DIR"] = str(folder / "recordings")
        await asyncio.to_thread(servers.migrate, env)
        await asyncio.to_thread(servers.record_every_call, env)
        daphne = servers.Daphne(port, env, log_path=folder / "daphne.log")
        await daphne.start()
        target = daphne.caller_target()
        run = Run(round_no, self.calls)
        try:
            warm = self.new_call(target, Behaviour(quiet_before_hangup_s=0.2, max_ending_s=1))
            warm_started = time.monotonic()
            await warm.run(warm_started + 5.0)
            if self.warm_minutes > 0:  # a server that has carried calls, as in production
                ramp_s = min(5.0, self.calls * 0.05)
                warm_calls = self.dial(target, ramp_s, ramp_s + self.warm_minutes * 60)
                await asyncio.gather(*await warm_calls)
                await asyncio.sleep(5.0)  # their recordings are written
            # the first media stream starts the memory upkeep; its first pass trims what
            # start-up left behind, and the baseline is read after it
            await asyncio.sleep(max(0.0, warm_started + UPKEEP_S + 2 - time.monotonic()))
            base = await rss_over(daphne.pid, time.monotonic() + self.sample_s, self.sample_s)
            run.base_mib = base / MIB
            ramp_s = min(5.0, self.calls * 0.05)
            dialled = time.monotonic() + ramp_s
            tasks = await self.dial(target, ramp_s, ramp_s + self.minutes[-1] * 60 + 1)
            for minutes in self.minutes:
                rss = await rss_over(daphne.pid, dialled + minutes * 60, self.sample_s)
                run.per_call_mib[minutes] = (rss - base) / MIB / self.calls
                print(
                    f"    round {round_no}: {minutes:g} min, {fmt(run.per_call_mib[minutes], 3)}"
                    " MiB/call",
                    file=sys.stderr,
                    flush=True,
                )
            results = await asyncio.gather(*tasks)
            run.failed_calls = sum(1 for r in results if r.error or r.closed_by_server)
            expected = 1 + self.calls * (2 if self.warm_minutes else 1)
            run.recordings = await asyncio.to_thread(
                count_recordings, folder / "recordings", expected
            )
        finally:
            await daphne.stop()
        return run

    async def dial(self, target: Target, ramp_s: float, hang_up_in_s: float) -> list:
        """N calls dialled over ramp_s, each hanging up hang_up_in_s from now; their tasks."""
        hang_up_at = time.monotonic() + hang_up_in_s
        behaviour = Behaviour(quiet_before_hangup_s=0.5, max_ending_s=5.0)
        tasks = []
        for _ in range(self.calls):
            await asyncio.sleep(ramp_s / self.calls)
            call = self.new_call(target, behaviour)
            tasks.append(asyncio.create_task(call.run(hang_up_at)))
        return tasks

    def new_call(self, target: Target, behaviour: Behaviour) -> SimCall:
        """A call with a run-unique number."""
        call = SimCall(self.next_call_no, target, behaviour, self.shared, self.speech)
        self.next_call_no += 1
        return call


async def rss_over(pid: int, until: float, seconds: float) -> float:
    """The median of the process's RSS read every second over the `seconds` before `until`.

    The server collects garbage and trims malloc every MEMORY_UPKEEP_SECONDS (30), so one
    reading depends on where in that cycle it falls; the median over a cycle does not.
    """
    readings = []
    start = until - seconds
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    while True:
        readings.append(servers.sample(pid).rss_bytes)
        if time.monotonic() >= until:
            return statistics.median(readings)
        await asyncio.sleep(min(1.0, max(0.0, until - time.monotonic())))


def count_recordings(folder: Path, expected: int, wait_s: float = 30.0) -> int:
    """WAV files written, waiting up to wait_s for `expected` (saved just after calls end)."""
    deadline = time.monotonic() + wait_s
    while True:
        count = len(list(folder.rglob("*.wav"))) if folder.exists() else 0
        if count >= expected or time.monotonic() >= deadline:
            return count
        time.sleep(0.5)


def render(runs: list[Run], minutes: list[float]) -> str:
    """Per-round rows, then the median and range of every checkpoint and of the growth."""
    first, last = minutes[0], minutes[-1]
    header = ["round", "calls", "base MiB"]
    header += [f"MiB/call @{m:g} min" for m in minutes]
    header += [f"@{last:g} vs @{first:g}", "failed", "WAVs"]
    rows = []
    for run in runs:
        growth = run.growth(first, last)
        rows.append(
            [
                str(run.round_no),
                str(run.calls),
                fmt(run.base_mib, 1),
                *(fmt(run.per_call_mib.get(m), 3) for m in minutes),
                "-" if growth is None else f"{growth * 100:+.1f}%",
                str(run.failed_calls),
                str(run.recordings),
            ]
        )
    lines = [
        f"call_memory: server RSS per call with recording on ({servers.python_env_note()}; "
        f"RSS over the baseline after the warm-up calls / calls)",
        table(header, rows),
    ]
    lines += [f"  {line}" for line in summary_lines(runs, minutes)]
    return "\n".join(lines)


def summary_lines(runs: list[Run], minutes: list[float]) -> list[str]:
    """Median (range) per checkpoint and of the growth, against the 10 % target."""
    first, last = minutes[0], minutes[-1]
    lines = []
    for m in minutes:
        values = [r.per_call_mib.get(m) for r in runs]
        lines.append(f"RSS per call at {m:g} min: {summary(values, ' MiB', 3)}")
    growths = [g * 100 for r in runs if (g := r.growth(first, last)) is not None]
    if growths:
        verdict = "met" if abs(statistics.median(growths)) <= GROWTH_TARGET * 100 else "NOT met"
        lines.append(
            f"growth {first:g} -> {last:g} min: {summary(growths, ' %', 1)}; "
            f"target within {GROWTH_TARGET * 100:g} %: {verdict}"
        )
    return lines


def parse_args(argv=None) -> argparse.Namespace:
    """Flags."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50, help="simultaneous calls (default 50)")
    parser.add_argument(
        "--minutes", type=float, nargs="+", default=[1, 10], help="checkpoints (default 1 10)"
    )
    parser.add_argument("--rounds", type=int, default=1, help="fresh servers in turn (default 1)")
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file per round")
    parser.add_argument(
        "--warm-minutes",
        type=float,
        default=0.0,
        help="N calls this long first, so the server has carried calls (default 0: one call)",
    )
    parser.add_argument(
        "--sample-s", type=float, default=30.0, help="RSS median over this before each checkpoint"
    )
    return parser.parse_args(argv)


async def measure(args: argparse.Namespace) -> list[Run]:
    """Run the bench's rounds."""
    bench = CallMemoryBench(args.calls, args.minutes, args.rounds, args.database_url, args.sample_s)
    return await bench.run()


def main(argv=None) -> None:
    """Run and print."""
    args = parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        print(render(asyncio.run(measure(args)), sorted(args.minutes)))


if __name__ == "__main__":
    main()
