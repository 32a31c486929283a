"""Latency, CPU and memory the call bridge adds, against two bare relays (prints figures).

Run: `.venv/bin/python bench/bridge_latency.py [--calls 1 50 100] [--window 20] [--rounds 3]
[--before ../main-worktree] [--record] [--processes 2 --database-url postgres://... --redis-url
redis://...]`.

For each N it runs N simulated calls through a fresh daphne (the real bridge; with --before also
a daphne serving another checkout, for a same-run before/after), then through two fresh bare
relays, the floors: bench/relay.py (`websockets`) and bench/relay_aiohttp.py (aiohttp, usually
the faster). All stand in front of the same fake Realtime server (its own process, speed 5,
50 ms chunks), driven by the same caller (bench/load.py) in this process:

- in: caller's `media` sent -> `input_audio_buffer.append` arrival at the fake (stamped frames);
- out: the fake's `response.output_audio.delta` built -> `media` arrival at the caller;
- clear: the fake's `speech_started` sent -> `clear` arrival at the caller. This is an upper
  bound (two socket hops included); the bridge's own figure (CallBridge.barge_in_reaction_s)
  lives inside daphne and is not exposed, so it is not reported;
- CPU per call-second: the server process's utime+stime over the window / (N x window);
- memory per call: resident-set growth of the server process with N calls up / N;
- server wait: the share of the window the server's main thread was runnable but had no core
  (/proc/PID/schedstat). When it is high the machine is saturated and every latency includes it.

With --processes N ours runs as N daphne processes, the production shape (deploy/), and the
callers are spread over them in turn, as nginx's round robin would; CPU and memory are summed
over the processes. The floors stay one process each. Several processes share the database:
give PostgreSQL with --database-url (and Redis with --redis-url, as production does).

Latencies are end to end over loopback, so "added" is the bridge's figure minus a floor's. The
report (bench/bridge_report.py) gives ratios to each floor and to the faster of the two.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import numpy as np

from bench import bridge_report, servers
from bench.bridge_report import Layout, label
from bench.load import FRAME_S, Behaviour, CallResult, Shared, SimCall, Target, speech_frames
from bench.rounds import alternate
from bench.stats import fmt, table

MIB = 1024 * 1024
RELAYS = {"relay": "bench.relay", "aiohttp": "bench.relay_aiohttp"}  # the floors' modules


@dataclass
class Figures:
    """One configuration's results."""

    kind: str
    calls: int
    round_no: int = 1
    in_p50: float | None = None
    in_p99: float | None = None
    in_count: int = 0
    out_p50: float | None = None
    out_p99: float | None = None
    out_count: int = 0
    cpu_ms_per_call_s: float | None = None
    cpu_us_per_frame: float | None = None  # per caller frame in + agent chunk out (work, not time)
    delivered: float | None = None  # caller frames that reached the fake / frames due in real time
    process_core: float | None = None
    mib_per_call: float | None = None
    clear_p50: float | None = None
    clear_p99: float | None = None
    clears: int = 0
    failed_calls: int = 0
    loadgen_core: float | None = None
    fake_core: float | None = None
    other_core: float | None = None  # everything else on the machine (other people's work)
    server_waited: float | None = None  # share of the window the server waited for a core


def percentiles_ms(samples_us) -> tuple[float | None, float | None]:
    """p50 and p99 in ms of microsecond samples."""
    if len(samples_us) == 0:
        return None, None
    values = np.frombuffer(samples_us, dtype=np.int64) / 1000.0
    p50, p99 = np.percentile(values, [50, 99])
    return float(p50), float(p99)


def clear_reactions(results: list[CallResult], fake_calls: list[dict], since: float) -> list:
    """Per clear received after `since`: seconds since the fake's latest speech_started."""
    started = {call["call_no"]: sorted(call["speech_started"]) for call in fake_calls}
    reactions = []
    for result in results:
        times = started.get(result.call_no, [])
        for cleared in result.clears:
            if cleared < since:
                continue
            before = [t for t in times if t <= cleared]
            if before and cleared - before[-1] < 2.0:
                reactions.append(cleared - before[-1])
    return reactions


@dataclass
class ServerGroup:
    """The processes of one measured server, and where its callers dial (one target each)."""

    processes: list
    targets: list[Target]

    @property
    def pids(self) -> list[int]:
        """Their process ids."""
        return [process.pid for process in self.processes]

    async def stop(self) -> None:
        """Stop them all."""
        for process in self.processes:
            if isinstance(process, servers.Daphne):
                await process.stop()
            else:
                await process.close()


class Bench:
    """Runs every configuration against one fake AI."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="ars-bench-"))
        self.database_url = args.database_url or f"sqlite:///{self.tmp / 'bench.sqlite3'}"
        self.fake: servers.ControlledProcess | None = None
        self.shared = Shared()
        self.next_call_no = 1
        self.speech = speech_frames(seed=7)
        self.before_root = Path(args.before).absolute() if args.before else None

    @property
    def realtime_url(self) -> str:
        """Where servers reach the fake."""
        return f"ws://127.0.0.1:{self.fake.port}/v1/realtime"

    async def run(self) -> list[Figures]:
        """Every N, bridge then relay."""
        self.fake = await servers.start_fake(
            speed=self.args.speed, chunk_ms=self.args.chunk_ms, first_audio_delay_ms=300
        )
        self.shared.fake = self.fake
        await asyncio.to_thread(servers.migrate, self.server_env(1))
        if self.args.record:
            await asyncio.to_thread(servers.record_every_call, self.server_env(1))
        figures = []
        async with aiohttp.ClientSession() as http:
            self.shared.http = http
            try:
                for calls in self.args.calls:
                    figures += await alternate(
                        self.args.rounds,
                        self.kinds(),
                        lambda kind, calls=calls: self.measure(kind, calls),
                        lambda kind, calls=calls: f"{kind} x{calls}",
                    )
            finally:
                await self.fake.close()
                shutil.rmtree(self.tmp, ignore_errors=True)
        return figures

    def server_env(self, public_port: int) -> dict:
        """The environment of a measured daphne (and of the migration)."""
        return servers.server_env(
            self.database_url, public_port, self.realtime_url, self.args.redis_url
        )

    def kinds(self) -> tuple[str, ...]:
        """What each round runs: ours (and the before checkout's), then both floors."""
        before = ("before",) if self.args.before else ()
        uvicorn = ("uvicorn",) if self.args.uvicorn else ()
        return ("bridge", *before, *uvicorn, "relay", "aiohttp")

    async def start_server(self, kind: str) -> ServerGroup:
        """Fresh processes of one kind (a relay, or ours in --processes daphnes)."""
        if kind in RELAYS:
            relay = await servers.start_relay(self.realtime_url, RELAYS[kind])
            return ServerGroup([relay], [Target(stream_url=f"ws://127.0.0.1:{relay.port}/")])
        processes = 1 if kind in ("before", "uvicorn") else self.args.processes
        daphnes = [await self.start_daphne(kind) for _ in range(processes)]
        return ServerGroup(daphnes, [daphne.caller_target() for daphne in daphnes])

    async def start_daphne(self, kind: str) -> servers.Daphne:
        """One fresh daphne of ours (or of the before checkout, or on uvicorn)."""
        port = servers.free_port()
        env = self.server_env(port)
        env["RECORDINGS_DIR"] = str(self.tmp / "recordings")
        profile = self.args.profile
        daphne = servers.Daphne(
            port,
            env,
            log_path=self.tmp / f"daphne-{port}.log",
            profile_path=Path(f"{profile}.{self.next_call_no}.{port}") if profile else None,
            root=self.before_root if kind == "before" else servers.ROOT,
            uvicorn_python=Path(self.args.uvicorn) if kind == "uvicorn" else None,
        )
        await daphne.start()
        return daphne

    def new_call(self, target: Target, behaviour: Behaviour) -> SimCall:
        """A call with a run-unique number (it is stamped into every frame)."""
        call = SimCall(self.next_call_no, target, behaviour, self.shared, self.speech)
        self.next_call_no += 1
        return call

    async def measure(self, kind: str, calls: int) -> Figures:
        """Warm each server process with one call, then N calls; measure a steady window."""
        server = await self.start_server(kind)
        figures = Figures(kind, calls)
        try:
            warm_behaviour = Behaviour(quiet_before_hangup_s=0.2, max_ending_s=1)
            warm_until = time.monotonic() + 3.0
            await asyncio.gather(
                *(self.new_call(t, warm_behaviour).run(warm_until) for t in server.targets)
            )
            base = servers.sample_all(server.pids)
            ramp_s = min(3.0, calls * 0.03)
            window_start = time.monotonic() + ramp_s + self.args.warmup
            window_end = window_start + self.args.window
            behaviour = Behaviour(quiet_before_hangup_s=0.5, max_ending_s=3.0)
            tasks = []
            for number in range(calls):
                await asyncio.sleep(ramp_s / calls)
                target = server.targets[number % len(server.targets)]  # round robin
                tasks.append(asyncio.create_task(self.new_call(target, behaviour).run(window_end)))
            await asyncio.sleep(max(0.0, window_start - time.monotonic()))
            await self.fake.ask("window")
            self.shared.outbound_us = type(self.shared.outbound_us)("q")
            self.shared.window_open = True
            before = self.samples(server.pids)
            await asyncio.sleep(max(0.0, window_end - time.monotonic()))
            after = self.samples(server.pids)
            self.shared.window_open = False
            inbound = await self.fake.ask("report")
            fake_calls = (await self.fake.ask("calls", forget=True))["calls"]
            results = await asyncio.gather(*tasks)
            self.fill(figures, results, inbound, fake_calls, before, after, base, window_start)
        finally:
            await server.stop()
        return figures

    def samples(self, server_pids: list[int]) -> dict:
        """CPU and memory of the server's processes, the fake and this process."""
        return servers.sample_run(server_pids, self.fake.pid)

    def fill(self, figures, results, inbound, fake_calls, before, after, base, since) -> None:
        """Turn raw measurements into the table's figures."""
        seconds = after["server"].at - before["server"].at
        calls = figures.calls
        figures.failed_calls = sum(1 for r in results if r.error or r.closed_by_server)
        figures.in_p50, figures.in_p99 = inbound.get("p50_ms"), inbound.get("p99_ms")
        figures.in_count = inbound.get("count", 0)
        figures.out_p50, figures.out_p99 = percentiles_ms(self.shared.outbound_us)
        figures.out_count = len(self.shared.outbound_us)
        cpu = {name: after[name].cpu_s - before[name].cpu_s for name in ("server", "fake", "self")}
        machine = after["machine"] - before["machine"]
        figures.cpu_ms_per_call_s = cpu["server"] * 1000 / (calls * seconds)
        frames = figures.in_count + figures.out_count
        figures.cpu_us_per_frame = cpu["server"] * 1e6 / frames if frames else None
        figures.delivered = figures.in_count / (calls * seconds / FRAME_S)
        figures.process_core = cpu["server"] / seconds
        figures.loadgen_core = cpu["self"] / seconds
        figures.fake_core = cpu["fake"] / seconds
        figures.other_core = max(0.0, machine - sum(cpu.values())) / seconds
        figures.server_waited = (after["server"].waited_s - before["server"].waited_s) / seconds
        figures.mib_per_call = (after["server"].rss_bytes - base.rss_bytes) / MIB / calls
        reactions = clear_reactions(results, fake_calls, since)
        figures.clears = len(reactions)
        if reactions:
            p50, p99 = np.percentile(np.array(reactions) * 1000, [50, 99])
            figures.clear_p50, figures.clear_p99 = float(p50), float(p99)


def render(figures: list[Figures], args: argparse.Namespace) -> str:
    """The printed report (bench/bridge_report.py), with the load of every run."""
    title = (
        f"bridge_latency: {servers.python_env_note()}, window {args.window:g} s after "
        f"{args.warmup:g} s warm-up, fake speed {args.speed:g} chunk {args.chunk_ms} ms; "
        "latencies in ms (end to end over loopback)"
    )
    detail = [
        [
            label(f, args.rounds),
            str(f.in_count),
            str(f.out_count),
            str(f.clears),
            str(f.failed_calls),
            fmt(f.delivered * 100 if f.delivered is not None else None, 0) + "%",
            fmt(f.cpu_us_per_frame, 1),
            fmt(f.process_core),
            fmt(f.fake_core),
            fmt(f.loadgen_core),
            fmt(f.other_core),
            fmt(f.server_waited),
        ]
        for f in figures
    ]
    load = table(
        [
            "config",
            "in frames",
            "out frames",
            "clears",
            "failed calls",
            "delivered",
            "CPU us/frame",
            "server",
            "fake",
            "load gen",
            "others",
            "server waited",
        ],
        detail,
    )
    lines = (
        "samples and load (cores = CPU seconds per wall second in the window; server waited ="
        " share of it the server's main thread(s) were runnable with no free core):\n" + load
    )
    return bridge_report.render(figures, Layout(args.calls, args.rounds, title), lines)


def parse_args(argv=None) -> argparse.Namespace:
    """Flags."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, nargs="+", default=[1, 50, 100])
    parser.add_argument("--window", type=float, default=20.0, help="seconds measured per config")
    parser.add_argument("--warmup", type=float, default=4.0, help="seconds before the window")
    parser.add_argument(
        "--rounds", type=int, default=1, help="runs of every kind per N (ratios vary by run)"
    )
    parser.add_argument("--speed", type=float, default=5.0, help="fake AI speed (x real time)")
    parser.add_argument("--chunk-ms", type=int, default=50, help="fake AI audio chunk")
    parser.add_argument("--record", action="store_true", help="record every call (stereo WAV)")
    parser.add_argument(
        "--before",
        help="also run the bridge from this checkout (a worktree of main) in every round",
    )
    parser.add_argument(
        "--uvicorn",
        metavar="PYTHON",
        help="also run ours on uvicorn + websockets, with this interpreter (an experiment)",
    )
    parser.add_argument(
        "--processes", type=int, default=1, help="run ours as this many daphne processes"
    )
    parser.add_argument(
        "--database-url", default="", help="ours use this database (default: a SQLite file)"
    )
    parser.add_argument("--redis-url", default="", help="ours use channels-redis at this URL")
    parser.add_argument(
        "--profile", help="run daphne under cProfile; stats go to PROFILE.<n> (figures distort)"
    )
    args = parser.parse_args(argv)
    if args.processes > 1 and not args.database_url:
        parser.error("--processes above 1 shares one database: give PostgreSQL's --database-url")
    return args


def main(argv=None) -> None:
    """Run and print."""
    args = parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        figures = asyncio.run(Bench(args).run())
        print(render(figures, args))


if __name__ == "__main__":
    main()
