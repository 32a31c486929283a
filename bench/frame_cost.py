"""Server CPU per caller frame, by work rather than wall time (prints a table).

Run: `.venv/bin/python bench/frame_cost.py [--calls 50] [--frames 1500] [--rounds 3]
[--before ../main-worktree]`.

bridge_latency paces callers in real time, so on a machine that others load the callers and the
fake fall behind and CPU per call-second measures them as much as the server. Here each of N
calls (signed webhook, signed stream, `start`, as in bench/load.py) sends a fixed number of
stamped caller `media` frames, a few hundred per second per call, and the server's CPU
(utime + stime from /proc) is read once it has gone idle again: CPU per frame is then the cost
of one Twilio frame in (parse, checks, bridge) and one append out, whatever else runs. Every
round runs ours, --before's, and both floors (bench/relay.py, bench/relay_aiohttp.py) in turn.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bench import servers
from bench.bridge_latency import RELAYS
from bench.load import Behaviour, Shared, SimCall, Target, speech_frames
from bench.rounds import alternate
from bench.stats import fmt, summary, table

IDLE_CORE = 0.02  # below this share of a core the server has finished the frames
SEND_GAP_S = 0.002  # between one call's frames: well above real time, still bounded


@dataclass
class Cost:
    """One run."""

    kind: str
    round_no: int = 1
    frames: int = 0
    cpu_s: float = 0.0
    seconds: float = 0.0

    @property
    def us_per_frame(self) -> float | None:
        """Server CPU microseconds per caller frame."""
        return self.cpu_s * 1e6 / self.frames if self.frames else None


class FrameCost:
    """Runs every kind against one fake AI."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="ars-frame-cost-"))
        self.database_url = f"sqlite:///{self.tmp / 'bench.sqlite3'}"
        self.shared = Shared()
        self.speech = speech_frames(seed=7)
        self.call_no = 0
        self.fake = None
        self.before_root = Path(args.before).absolute() if args.before else None

    async def run(self) -> list[Cost]:
        """Every kind, round after round."""
        self.fake = await servers.start_fake(speed=5.0, chunk_ms=50, first_audio_delay_ms=300)
        url = f"ws://127.0.0.1:{self.fake.port}/v1/realtime"
        await asyncio.to_thread(servers.migrate, servers.server_env(self.database_url, 1, url))
        kinds = ("bridge", *(("before",) if self.args.before else ()), *RELAYS)
        try:
            async with aiohttp.ClientSession() as http:
                self.shared.http = http
                return await alternate(self.args.rounds, kinds, self.measure, lambda kind: kind)
        finally:
            await self.fake.close()
            shutil.rmtree(self.tmp, ignore_errors=True)

    async def start(self, kind: str):
        """A fresh server of this kind and where its calls go."""
        url = f"ws://127.0.0.1:{self.fake.port}/v1/realtime"
        if kind in RELAYS:
            relay = await servers.start_relay(url, RELAYS[kind])
            return relay, Target(stream_url=f"ws://127.0.0.1:{relay.port}/")
        port = servers.free_port()
        root = self.before_root if kind == "before" else servers.ROOT
        daphne = servers.Daphne(port, servers.server_env(self.database_url, port, url), root=root)
        await daphne.start()
        target = daphne.caller_target()
        return daphne, target

    async def measure(self, kind: str) -> Cost:
        """Connect every call, let the server settle, then send the frames and read its CPU."""
        server, target = await self.start(kind)
        try:
            calls = []
            for _ in range(self.args.calls):
                self.call_no += 1
                call = SimCall(self.call_no, target, Behaviour(), self.shared, self.speech)
                await call.connect()
                calls.append(call)
            await asyncio.sleep(2.0)  # sessions configured, greetings under way
            await wait_idle(server.pid)
            before = servers.sample(server.pid)
            await asyncio.gather(*(self.blast(call) for call in calls))
            after = await wait_idle(server.pid)
            cost = Cost(kind, frames=self.args.calls * self.args.frames)
            cost.cpu_s, cost.seconds = after.cpu_s - before.cpu_s, after.at - before.at
            for call in calls:
                await call.hang_up()
            return cost
        finally:
            await (server.stop() if isinstance(server, servers.Daphne) else server.close())

    async def blast(self, call: SimCall) -> None:
        """One call's frames, silence (the fake's VAD stays quiet: no agent audio back)."""
        for number in range(self.args.frames):
            call.frame_no = number + 1
            await call.send_media(call.next_frame(0.0))
            await asyncio.sleep(SEND_GAP_S)


async def wait_idle(pid: int) -> servers.ProcessSample:
    """Sample the process until two 0.5 s stretches in a row used almost no CPU."""
    last, quiet = servers.sample(pid), 0
    while quiet < 2:
        await asyncio.sleep(0.5)
        now = servers.sample(pid)
        busy = (now.cpu_s - last.cpu_s) / (now.at - last.at) >= IDLE_CORE
        quiet = 0 if busy else quiet + 1
        last = now
    return last


def render(costs: list[Cost], args: argparse.Namespace) -> str:
    """Per run, then median and range of each kind and of ours over each floor."""
    rows = [
        [
            f"{c.kind} #{c.round_no}",
            str(c.frames),
            fmt(c.cpu_s),
            fmt(c.us_per_frame, 1),
            fmt(c.cpu_s / c.seconds if c.seconds else None),
        ]
        for c in costs
    ]
    by = {(c.kind, c.round_no): c for c in costs}
    lines = [
        f"frame_cost: {args.calls} calls x {args.frames} frames, {servers.python_env_note()}",
        "",
        table(["run", "frames", "server CPU s", "CPU us/frame", "cores"], rows),
        "",
        "over rounds (median, min-max):",
    ]
    rounds = range(1, args.rounds + 1)
    for kind in dict.fromkeys(c.kind for c in costs):
        per_frame = [by[kind, n].us_per_frame for n in rounds if (kind, n) in by]
        lines.append(f"  {kind}: {summary(per_frame, ' us/frame')}")
    for ours in ("bridge", "before"):
        for floor in (*RELAYS, "faster"):
            ratios = []
            for n in rounds:
                if (ours, n) not in by:
                    continue
                floors = [by[f, n] for f in RELAYS if (f, n) in by]
                base = (
                    min(floors, key=lambda c: c.us_per_frame)
                    if floor == "faster"
                    else by.get((floor, n))
                )
                if base and base.us_per_frame:
                    ratios.append(by[ours, n].us_per_frame / base.us_per_frame)
            if ratios:
                lines.append(f"  {ours} / {floor}: {summary(ratios, 'x')}")
    if args.before and args.rounds:
        gains = [
            1 - by["bridge", n].us_per_frame / by["before", n].us_per_frame
            for n in rounds
            if ("bridge", n) in by and ("before", n) in by
        ]
        if gains:
            lines.append(
                f"  bridge vs before: {statistics.median(gains) * 100:.1f} % less CPU per frame "
                f"({min(gains) * 100:.1f} to {max(gains) * 100:.1f} %)"
            )
    return "\n".join(lines)


def main(argv=None) -> None:
    """Parse flags, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--frames", type=int, default=1500, help="caller frames per call")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", help="also run the bridge from this checkout every round")
    args = parser.parse_args(argv)
    started = time.monotonic()
    costs = asyncio.run(FrameCost(args).run())
    print(render(costs, args))
    print(f"\n({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
