"""Supervisor latency: the fake's transcript event -> a supervisor's socket (prints figures).

Run: `.venv/bin/python bench/monitor_latency.py [--calls 100] [--supervisors 10] [--window 20]
[--rounds 3] [--redis-url redis://127.0.0.1:6379/0]`.

For each channel layer (in-memory, then Redis when reachable) it runs N simulated calls
(bench/load.py) through a fresh daphne, in front of the fake Realtime server in its own process
(bench/monitor_fake.py: audio deltas and agent transcript deltas carry send stamps), twice:
without supervisors, then with S supervisor sockets, each logged in and watching one call's page.

- monitor p50/p99: the fake emits an agent transcript delta -> the `call.transcript` carrying
  it arrives at a supervisor's socket (bridge, publisher queue, channel layer, MonitorConsumer);
- in/out p50/p99: the calls' own per-frame latency as in bench/bridge_latency.py (caller media
  -> append at the fake; the fake's audio delta -> media at the caller), with and without
  supervisors, to show that watching a call does not slow it.

On a noisy machine one pair of runs says little about "no worse": with `--rounds N` each layer
runs N alternating pairs (without, then with supervisors), and the report ends with the median
and range over rounds of the monitor p99 and of the change in the calls' own p99.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from array import array
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import numpy as np
from websockets.asyncio.client import connect

from bench import servers, stamps
from bench.load import Behaviour, Shared, SimCall, speech_frames
from bench.rounds import alternate
from bench.stats import fmt, summary, table

STAMP = re.compile(r"⟦(\d+)⟧$")
USERNAME, PASSWORD = "bench-supervisor", "bench-supervisor-password-1"


@dataclass
class Figures:
    """One configuration's results, in milliseconds."""

    layer: str
    supervisors: int
    round_no: int = 1
    monitor: tuple[float | None, float | None] = (None, None)
    monitor_count: int = 0
    inbound: tuple[float | None, float | None] = (None, None)
    outbound: tuple[float | None, float | None] = (None, None)
    failed_calls: int = 0
    server_core: float | None = None  # daphne's CPU over the window, in cores
    other_core: float | None = None  # the rest of the machine (other people's work), in cores


def percentiles(samples_us) -> tuple[float | None, float | None]:
    """p50 and p99 in ms of microsecond samples."""
    if len(samples_us) == 0:
        return None, None
    p50, p99 = np.percentile(np.asarray(samples_us, dtype=np.float64) / 1000.0, [50, 99])
    return float(p50), float(p99)


def redis_reachable(url: str) -> bool:
    """Whether a TCP connection to that Redis succeeds."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 1):
            return True
    except OSError:
        return False


def login_cookie(base_url: str) -> str:
    """Log the bench supervisor in through the admin form; return the session cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    url = f"{base_url}/admin/login/"
    page = opener.open(url, timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    fields = {"csrfmiddlewaretoken": token, "username": USERNAME, "password": PASSWORD}
    fields["next"] = "/dashboard/"
    body = urllib.parse.urlencode(fields).encode()
    opener.open(urllib.request.Request(url, body, headers={"Referer": url}), timeout=10)
    return "; ".join(f"{c.name}={c.value}" for c in jar if c.name == "sessionid")


class Supervisor:
    """One supervisor socket watching one call; ages every stamped transcript it receives."""

    def __init__(self, base_url: str, cookie: str, call_sid: str, shared: Shared, ages: array):
        self.url = base_url.replace("http://", "ws://") + "/ws/monitor/"
        self.headers = {"Cookie": cookie, "Origin": base_url}
        self.call_sid = call_sid
        self.shared = shared
        self.ages = ages

    async def watch(self) -> None:
        """Subscribe (retrying until the call row exists), then read until cancelled."""
        async with connect(self.url, additional_headers=self.headers) as ws:
            subscribe = {"action": "subscribe", "target": "call", "call_sid": self.call_sid}
            while True:
                await ws.send(json.dumps(subscribe))
                first = json.loads(await ws.recv())
                if first.get("type") == "snapshot":
                    break
                await asyncio.sleep(0.2)  # the webhook has not created the row yet
            async for raw in ws:
                now = stamps.now_us()
                if '"call.transcript"' not in raw:
                    continue
                stamp = STAMP.search(json.loads(raw)["text"])
                if stamp and self.shared.window_open:
                    self.ages.append(stamps.age_us(int(stamp.group(1)), now))


class Bench:
    """Every layer, without then with supervisors, against one fake AI."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="ars-monitor-bench-"))
        self.database_url = f"sqlite:///{self.tmp / 'bench.sqlite3'}"
        self.speech = speech_frames(seed=11)
        self.next_call_no = 1

    async def run(self, layers: list[tuple[str, str]]) -> list[Figures]:
        """Start the fake, prepare the database, measure every configuration."""
        self.fake = await servers.ControlledProcess.start(
            "bench.monitor_fake", "--speed", "5", "--chunk-ms", "50"
        )
        self.realtime_url = f"ws://127.0.0.1:{self.fake.port}/v1/realtime"
        env = servers.server_env(self.database_url, 1, self.realtime_url)
        await asyncio.to_thread(servers.migrate, env)
        await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "manage.py", "staff_account", USERNAME, "--password", PASSWORD],
            cwd=servers.ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        figures = []
        try:
            async with aiohttp.ClientSession() as http:
                self.http = http
                for layer, redis_url in layers:
                    figures += await alternate(
                        self.args.rounds,
                        (0, self.args.supervisors),
                        lambda watchers, layer=layer, url=redis_url: self.measure(
                            layer, url, watchers
                        ),
                        lambda watchers, layer=layer: f"{layer} x{watchers}",
                    )
        finally:
            await self.fake.close()
            shutil.rmtree(self.tmp, ignore_errors=True)
        return figures

    async def measure(self, layer: str, redis_url: str, supervisors: int) -> Figures:
        """N calls through a fresh daphne; S supervisors watch; one steady window."""
        port = servers.free_port()
        env = servers.server_env(self.database_url, port, self.realtime_url, redis_url)
        daphne = servers.Daphne(port, env, log_path=self.tmp / f"daphne-{port}.log")
        await daphne.start()
        shared = Shared(fake=self.fake, http=self.http)
        target = daphne.caller_target()
        figures, ages, watchers = Figures(layer, supervisors), array("q"), []
        try:
            ramp_s = min(3.0, self.args.calls * 0.03)
            window_start = time.monotonic() + ramp_s + self.args.warmup
            window_end = window_start + self.args.window
            behaviour = Behaviour(quiet_before_hangup_s=0.5, max_ending_s=3.0)
            calls, tasks = [], []
            for _ in range(self.args.calls):
                call = SimCall(self.next_call_no, target, behaviour, shared, self.speech)
                self.next_call_no += 1
                calls.append(call)
                tasks.append(asyncio.create_task(call.run(window_end)))
                await asyncio.sleep(ramp_s / self.args.calls)
            if supervisors:
                cookie = await asyncio.to_thread(login_cookie, daphne.base_url)
                watchers = [
                    asyncio.create_task(
                        Supervisor(daphne.base_url, cookie, call.call_sid, shared, ages).watch()
                    )
                    for call in calls[:supervisors]
                ]
            await asyncio.sleep(max(0.0, window_start - time.monotonic()))
            await self.fake.ask("window")
            shared.outbound_us = array("q")
            shared.window_open = True
            before = self.samples(daphne.pid)
            await asyncio.sleep(max(0.0, window_end - time.monotonic()))
            after = self.samples(daphne.pid)
            shared.window_open = False
            inbound = await self.fake.ask("report")
            await self.fake.ask("calls", forget=True)
            results = await asyncio.gather(*tasks)
        finally:
            for watcher in watchers:
                watcher.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)
            await daphne.stop()
        figures.monitor, figures.monitor_count = percentiles(ages), len(ages)
        figures.inbound = (inbound.get("p50_ms"), inbound.get("p99_ms"))
        figures.outbound = percentiles(shared.outbound_us)
        figures.failed_calls = sum(1 for r in results if r.error or r.closed_by_server)
        seconds = after["server"].at - before["server"].at
        used = {name: after[name].cpu_s - before[name].cpu_s for name in ("server", "fake", "self")}
        figures.server_core = used["server"] / seconds
        machine = after["machine"] - before["machine"]
        figures.other_core = max(0.0, machine - sum(used.values())) / seconds
        return figures

    def samples(self, server_pid: int) -> dict:
        """CPU of daphne, the fake, this process, and the whole machine."""
        return servers.sample_run([server_pid], self.fake.pid)


def render(figures: list[Figures], args: argparse.Namespace) -> str:
    """The printed report."""
    header = ["layer", "supervisors", "round", "monitor p50", "monitor p99", "samples"]
    header += ["in p50", "in p99", "out p50", "out p99", "failed", "daphne core", "other core"]
    rows = [
        [
            f.layer,
            str(f.supervisors),
            str(f.round_no),
            fmt(f.monitor[0]),
            fmt(f.monitor[1]),
            str(f.monitor_count),
            fmt(f.inbound[0]),
            fmt(f.inbound[1]),
            fmt(f.outbound[0]),
            fmt(f.outbound[1]),
            str(f.failed_calls),
            fmt(f.server_core),
            fmt(f.other_core),
        ]
        for f in figures
    ]
    return "\n".join(
        [
            f"Monitor latency, {args.calls} calls, {args.window:.0f} s window, ms "
            f"({servers.python_env_note()}, {os.cpu_count()} cores; 'other core' is load from"
            " outside the bench: figures are only clean when it is near 0)",
            table(header, rows),
            *spread_lines(figures, args),
        ]
    )


def spread_lines(figures: list[Figures], args: argparse.Namespace) -> list[str]:
    """With several rounds, per layer: monitor p99 and the supervisors' effect on the calls."""
    if args.rounds < 2:
        return []
    lines = [
        "",
        f"over rounds (median, min-max; each round is a run without, then with"
        f" {args.supervisors} supervisors; change = with - without, ms):",
    ]
    by_key = {(f.layer, f.supervisors, f.round_no): f for f in figures}
    for layer in dict.fromkeys(f.layer for f in figures):
        pairs = [
            (by_key.get((layer, 0, n)), by_key.get((layer, args.supervisors, n)))
            for n in range(1, args.rounds + 1)
        ]
        pairs = [(alone, watched) for alone, watched in pairs if alone and watched]
        monitor = [w.monitor[1] for _, w in pairs if w.monitor[1] is not None]
        changes = {}
        for direction in ("inbound", "outbound"):
            p99s = [(getattr(a, direction)[1], getattr(w, direction)[1]) for a, w in pairs]
            changes[direction] = [w - a for a, w in p99s if a is not None and w is not None]
        lines.append(
            f"  {layer}: monitor p99 {summary(monitor, ' ms')}; calls' own p99 change:"
            f" in {summary(changes['inbound'], ' ms')}, out {summary(changes['outbound'], ' ms')}"
        )
    return lines


def main() -> None:
    """Parse flags, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--supervisors", type=int, default=10)
    parser.add_argument("--window", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=1, help="pairs of runs per layer")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    layers = [("memory", "")]
    if redis_reachable(args.redis_url):
        layers.append(("redis", args.redis_url))
    else:
        print(f"Redis at {args.redis_url} unreachable: in-memory layer only", file=sys.stderr)
    figures = asyncio.run(Bench(args).run(layers))
    print(render(figures, args))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
