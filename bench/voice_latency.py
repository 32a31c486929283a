"""Supervisor voice latency: caller frame -> listener socket, microphone -> caller (prints figures).

Run: `.venv/bin/python bench/voice_latency.py [--calls 50] [--listeners 5] [--window 20]
[--rounds 3] [--redis-url redis://127.0.0.1:6379/0]`.

For each channel layer (in-memory, then Redis when reachable) it runs N simulated calls
(bench/load.py, every caller frame stamped with its send time) through a fresh daphne in front
of the fake Realtime server (bench/fake_ai.py), twice: without supervisors, then with L
supervisor sockets each listening to one call; the first of them also takes its call over and
speaks into it: 20 ms microphone frames stamped with their send time (bench/stamps.py).

- listen p50/p99: a caller frame leaves the simulated Twilio -> the same frame arrives as a
  binary frame on a listener's socket (bridge, audio queue, channel layer, MonitorConsumer).
  The browser adds its jitter buffer (60 ms target, voice_player_worklet.js) on top;
- mic p50/p99: a microphone frame leaves the supervisor's socket -> it reaches the caller as
  Twilio `media` (MonitorConsumer, channel layer, the call's consumer, the bridge);
- in/out p50/p99: the calls' own per-frame latency as in bench/bridge_latency.py (caller media
  -> append at the fake; the fake's audio delta -> media at the caller), without and with
  listeners, to show that listening does not slow the calls.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from array import array
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
from websockets.asyncio.client import connect

from bench import monitor_latency, servers, stamps
from bench.load import Behaviour, Shared, SimCall, speech_frames
from bench.monitor_latency import percentiles, redis_reachable
from bench.rounds import alternate
from bench.stats import fmt, summary, table
from calls.live.protocol import listen_audio

USERNAME, PASSWORD = "bench-voice", "bench-voice-password-1"
MIC_MARK = (1 << 24) - 1  # in the delta-number field: this media is the supervisor's microphone
SILENCE = b"\xff" * 160


@dataclass
class Figures:
    """One configuration's results, in milliseconds."""

    layer: str
    listeners: int
    round_no: int = 1
    listen: tuple[float | None, float | None] = (None, None)
    listen_count: int = 0
    mic: tuple[float | None, float | None] = (None, None)
    mic_count: int = 0
    inbound: tuple[float | None, float | None] = (None, None)
    outbound: tuple[float | None, float | None] = (None, None)
    failed_calls: int = 0
    server_core: float | None = None
    other_core: float | None = None  # the rest of the machine (other people's work), in cores


class VoiceCall(SimCall):
    """A simulated call that tells the supervisor's microphone apart from the AI's audio."""

    mic_us: array

    def on_media(self, text: str) -> None:
        start = text.index('"payload"') + 9
        payload = text[text.index('"', start) + 1 : text.rindex('"')]
        values = stamps.read_b64_stamp(payload, stamps.OUTBOUND_FIELDS)
        if values is not None and values[0] == MIC_MARK:
            if self.shared.window_open:
                self.mic_us.append(stamps.age_us(values[1]))
            return
        super().on_media(text)


class Listener:
    """A supervisor socket listening to one call; the first one also holds it and talks."""

    def __init__(self, base_url: str, cookie: str, call_sid: str, shared: Shared, ages: array):
        self.url = base_url.replace("http://", "ws://") + "/ws/monitor/"
        self.headers = {"Cookie": cookie, "Origin": base_url}
        self.call_sid = call_sid
        self.shared = shared
        self.ages = ages

    async def listen(self, talk: bool) -> None:
        """Listen (and take over when asked), then read until cancelled."""
        async with connect(self.url, additional_headers=self.headers) as ws:
            await ws.send(json.dumps({"action": "listen", "call_sid": self.call_sid}))
            talking = None
            try:
                async for data in ws:
                    now = stamps.now_us()
                    if isinstance(data, bytes):
                        self.age(data, now)
                        continue
                    message = json.loads(data)
                    if message.get("type") != "voice.reply":
                        continue
                    if message["op"] == "listen" and talk:
                        take = {"action": "take_over", "call_sid": self.call_sid}
                        await ws.send(json.dumps(take))
                    elif message["op"] == "take_over" and message["ok"]:
                        talking = asyncio.create_task(self.talk(ws))
            finally:
                if talking is not None:
                    talking.cancel()

    def age(self, data: bytes, now: int) -> None:
        """Age a caller frame by the stamp the simulated Twilio wrote into it."""
        frame = listen_audio.unpack(data)
        if frame.channel != listen_audio.CALLER or not self.shared.window_open:
            return
        values = stamps.read_stamp(frame.ulaw, stamps.INBOUND_FIELDS)
        if values is not None:
            self.ages.append(stamps.age_us(values[2], now))

    async def talk(self, ws) -> None:
        """A microphone: one stamped 20 ms frame on absolute deadlines."""
        loop = asyncio.get_running_loop()
        start, seq = loop.time(), 0
        while True:
            seq += 1
            await asyncio.sleep(max(0.0, start + seq * 0.02 - loop.time()))
            frame = bytearray(SILENCE)
            stamps.write_stamp(frame, (MIC_MARK, stamps.now_us()), stamps.OUTBOUND_FIELDS)
            await ws.send(listen_audio.pack(listen_audio.SUPERVISOR, seq, seq * 20, bytes(frame)))


class Bench:
    """Every layer, without then with listeners, against one fake AI."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="ars-voice-bench-"))
        self.database_url = f"sqlite:///{self.tmp / 'bench.sqlite3'}"
        self.speech = speech_frames(seed=13)
        self.next_call_no = 1

    async def run(self, layers: list[tuple[str, str]]) -> list[Figures]:
        """Start the fake, prepare the database, measure every configuration."""
        self.fake = await servers.ControlledProcess.start(
            "bench.fake_ai", "--speed", "5", "--chunk-ms", "50"
        )
        self.realtime_url = f"ws://127.0.0.1:{self.fake.port}/v1/realtime"
        env = servers.server_env(self.database_url, 1, self.realtime_url)
        await asyncio.to_thread(servers.migrate, env)
        command = ["manage.py", "staff_account", USERNAME, "--password", PASSWORD, "--voice"]
        await asyncio.to_thread(
            subprocess.run,
            [sys.executable, *command],
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
                        (0, self.args.listeners),
                        lambda count, layer=layer, url=redis_url: self.measure(layer, url, count),
                        lambda count, layer=layer: f"{layer} x{count}",
                    )
        finally:
            await self.fake.close()
            shutil.rmtree(self.tmp, ignore_errors=True)
        return figures

    async def measure(self, layer: str, redis_url: str, listeners: int) -> Figures:
        """N calls through a fresh daphne; L listen (one of them talks); one steady window."""
        port = servers.free_port()
        env = servers.server_env(self.database_url, port, self.realtime_url, redis_url)
        daphne = servers.Daphne(port, env, log_path=self.tmp / f"daphne-{port}.log")
        await daphne.start()
        shared = Shared(fake=self.fake, http=self.http)
        target = daphne.caller_target()
        figures, ages, mic_us, sockets = Figures(layer, listeners), array("q"), array("q"), []
        try:
            ramp_s = min(3.0, self.args.calls * 0.03)
            window_start = time.monotonic() + ramp_s + self.args.warmup
            window_end = window_start + self.args.window
            behaviour = Behaviour(quiet_before_hangup_s=0.5, max_ending_s=3.0)
            calls, tasks = [], []
            for _ in range(self.args.calls):
                call = VoiceCall(self.next_call_no, target, behaviour, shared, self.speech)
                call.mic_us = mic_us
                self.next_call_no += 1
                calls.append(call)
                tasks.append(asyncio.create_task(call.run(window_end)))
                await asyncio.sleep(ramp_s / self.args.calls)
            if listeners:
                cookie = await asyncio.to_thread(monitor_latency.login_cookie, daphne.base_url)
                sockets = [
                    asyncio.create_task(
                        Listener(daphne.base_url, cookie, call.call_sid, shared, ages).listen(
                            talk=index == 0
                        )
                    )
                    for index, call in enumerate(calls[:listeners])
                ]
            await asyncio.sleep(max(0.0, window_start - time.monotonic()))
            await self.fake.ask("window")
            shared.outbound_us = array("q")
            shared.window_open = True
            before = servers.sample_run([daphne.pid], self.fake.pid)
            await asyncio.sleep(max(0.0, window_end - time.monotonic()))
            after = servers.sample_run([daphne.pid], self.fake.pid)
            shared.window_open = False
            inbound = await self.fake.ask("report")
            await self.fake.ask("calls", forget=True)
            results = await asyncio.gather(*tasks)
        finally:
            for task in sockets:
                task.cancel()
            for outcome in await asyncio.gather(*sockets, return_exceptions=True):
                if isinstance(outcome, Exception):
                    print(f"  a listener failed: {outcome!r}", file=sys.stderr)
            await daphne.stop()
        figures.listen, figures.listen_count = percentiles(ages), len(ages)
        figures.mic, figures.mic_count = percentiles(mic_us), len(mic_us)
        figures.inbound = (inbound.get("p50_ms"), inbound.get("p99_ms"))
        figures.outbound = percentiles(shared.outbound_us)
        figures.failed_calls = sum(1 for r in results if r.error or r.closed_by_server)
        seconds = after["server"].at - before["server"].at
        used = {name: after[name].cpu_s - before[name].cpu_s for name in ("server", "fake", "self")}
        figures.server_core = used["server"] / seconds
        machine = after["machine"] - before["machine"]
        figures.other_core = max(0.0, machine - sum(used.values())) / seconds
        return figures


def render(figures: list[Figures], args: argparse.Namespace) -> str:
    """The printed report."""
    header = ["layer", "listeners", "round", "listen p50", "listen p99", "frames"]
    header += ["mic p50", "mic p99", "frames", "in p50", "in p99", "out p50", "out p99"]
    header += ["failed", "daphne core", "other core"]
    rows = [
        [
            f.layer,
            str(f.listeners),
            str(f.round_no),
            fmt(f.listen[0]),
            fmt(f.listen[1]),
            str(f.listen_count),
            fmt(f.mic[0]),
            fmt(f.mic[1]),
            str(f.mic_count),
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
    lines = [
        f"Supervisor voice latency, {args.calls} calls, {args.window:.0f} s window, ms "
        f"({servers.python_env_note()}, {os.cpu_count()} cores; 'other core' is load from"
        " outside the bench: figures are only clean when it is near 0)",
        table(header, rows),
    ]
    if args.rounds > 1:
        lines.append("over rounds (median, min-max); change = with - without listeners, ms:")
        for layer in dict.fromkeys(f.layer for f in figures):
            mine = [f for f in figures if f.layer == layer]
            alone = {f.round_no: f for f in mine if not f.listeners}
            heard = {f.round_no: f for f in mine if f.listeners}
            listen = [f.listen[1] for f in heard.values() if f.listen[1] is not None]
            mic = [f.mic[1] for f in heard.values() if f.mic[1] is not None]
            change = {
                d: [
                    getattr(heard[n], d)[1] - getattr(alone[n], d)[1]
                    for n in heard
                    if n in alone
                    and getattr(heard[n], d)[1] is not None
                    and getattr(alone[n], d)[1] is not None
                ]
                for d in ("inbound", "outbound")
            }
            lines.append(
                f"  {layer}: listen p99 {summary(listen, ' ms')}; mic p99 {summary(mic, ' ms')};"
                f" calls' own p99 change: in {summary(change['inbound'], ' ms')},"
                f" out {summary(change['outbound'], ' ms')}"
            )
    return "\n".join(lines)


def main() -> None:
    """Parse flags, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--listeners", type=int, default=5)
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
    monitor_latency.USERNAME, monitor_latency.PASSWORD = USERNAME, PASSWORD
    figures = asyncio.run(Bench(args).run(layers))
    print(render(figures, args))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
