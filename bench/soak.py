"""Load and soak through daphne and the fake AI (prints figures; the small test asserts on it).

Run: `.venv/bin/python bench/soak.py [--calls 100] [--minutes 1] [--processes 1|2]`.

N call slots run back-to-back calls of 20-40 s (speech, answers, barge-ins, and in a few calls
an AI socket cut mid-sentence) until the time is up; each call then goes quiet, hears the agent
out and hangs up. With --processes 2 two daphnes share PostgreSQL (a fresh database, dropped
afterwards) and Redis (channel layer); each call's webhook goes to one and its stream to the
other. It reports per-frame latency, CPU and memory per call, resident memory against finished
calls, barge-in reaction (the fake's `speech_started` sent -> `clear` at the caller, an upper
bound with two socket hops) and the silence a caller hears across an AI reconnect. Then it
checks every transcript the fake sent is an utterance of the right call, every call is
finalized, and daphne holds no more sockets, threads or asyncio tasks (from /metrics) than after
its warm-up call.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import numpy as np

from bench import metrics_probe, servers
from bench.load import Behaviour, CallResult, Shared, SimCall, Target, speech_frames
from bench.soak_checks import Verdict, read_rows, verify
from bench.stats import fmt, slope

MIB = 1024 * 1024
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SETTLE_TIMEOUT_S = 30.0


@dataclass
class SoakOptions:
    """What to run."""

    calls: int = 100
    minutes: float = 1.0
    processes: int = 1
    call_seconds: tuple[float, float] = (20.0, 40.0)
    drop_share: float = 0.05  # calls whose AI socket is cut once
    barge_in_share: float = 0.4
    postgres: bool | None = None  # default: with two or more processes
    redis_url: str = "redis://127.0.0.1:6379/15"
    sample_every_s: float = 2.0
    ramp_s: float | None = None
    memory_upkeep_s: int | None = None  # MEMORY_UPKEEP_SECONDS for daphne; None: its default


@dataclass
class ProcessFigures:
    """Before/after look at one daphne."""

    port: int
    baseline: servers.ProcessSample
    after: servers.ProcessSample | None = None


@dataclass
class SoakReport:
    """Everything the soak measured and checked."""

    options: SoakOptions
    database: str = ""
    duration_s: float = 0.0
    results: list[CallResult] = field(default_factory=list)
    inbound: dict = field(default_factory=dict)
    outbound_ms: tuple = (None, None)
    cpu_s: float = 0.0
    call_seconds: float = 0.0
    processes: list[ProcessFigures] = field(default_factory=list)
    rss_samples: list[tuple[float, int, int, int]] = field(default_factory=list)
    barge_in_ms: list[float] = field(default_factory=list)
    reconnect_silence_s: list[float] = field(default_factory=list)
    reconnects_without_audio: int = 0
    frames_sent: int = 0
    frames_appended: int = 0
    verdict: Verdict = field(default_factory=Verdict)
    unfinished_fake_sessions: int = 0
    server_log: list[str] = field(default_factory=list)
    lossy_calls: list[tuple[str, int, bool, str]] = field(default_factory=list)
    metrics_before: list[dict | None] = field(default_factory=list)
    metrics_after: list[dict | None] = field(default_factory=list)

    @property
    def live_bridges_after(self) -> int | None:
        """Bridges /metrics still counts as active after the run (None: no /metrics)."""
        if not self.metrics_after or None in self.metrics_after:
            return None
        return round(sum(m.get("ars_active_calls", 0) for m in self.metrics_after))

    def metric_change(self, name: str) -> int | None:
        """A /metrics figure after the run minus after the warm-up, summed over the daphnes.

        None when some daphne did not report it after the run.
        """
        pairs = list(zip(self.metrics_before, self.metrics_after, strict=False))
        if not pairs or any(not b or not a or name not in a for b, a in pairs):
            return None
        return round(sum(a[name] - b.get(name, 0) for b, a in pairs))

    @property
    def leaked_tasks(self) -> int | None:
        """Asyncio tasks alive in daphne after the run beyond those after the warm-up."""
        return self.metric_change("ars_asyncio_tasks")

    @property
    def upkeep_passes(self) -> int | None:
        """Memory-upkeep passes daphne made during the run (None: no /metrics figure)."""
        return self.metric_change("ars_memory_upkeep_passes_total")

    @property
    def leaked_sockets(self) -> int:
        """Sockets held after the run beyond those held after the warm-up call."""
        return sum(max(0, p.after.sockets - p.baseline.sockets) for p in self.processes)

    @property
    def leaked_threads(self) -> int:
        """Threads beyond the warm-up figure."""
        return sum(max(0, p.after.threads - p.baseline.threads) for p in self.processes)

    @property
    def lost_frames(self) -> int:
        """Caller frames that never reached the fake as an append."""
        return self.frames_sent - self.frames_appended

    @property
    def failed_calls(self) -> list[CallResult]:
        """Calls that could not be placed."""
        return [result for result in self.results if result.error]


class Soak:
    """One soak run."""

    def __init__(self, options: SoakOptions):
        self.options = options
        self.tmp = Path(tempfile.mkdtemp(prefix="ars-soak-"))
        self.postgres = options.postgres if options.postgres is not None else options.processes > 1
        self.database = f"ars_soak_{os.getpid()}_{random.randrange(1 << 20)}"
        if self.postgres:
            self.database_url = f"postgres://postgres@127.0.0.1:5432/{self.database}"
        else:
            self.database_url = f"sqlite:///{self.tmp / 'soak.sqlite3'}"
        self.shared = Shared()
        self.speech = speech_frames(seed=11)
        self.daphnes: list[servers.Daphne] = []
        self.fake: servers.ControlledProcess | None = None
        self.next_call_no = 1
        self.finished = 0
        self.report = SoakReport(options, "PostgreSQL" if self.postgres else "SQLite")
        self.metrics_token: str | None = None

    @property
    def daphne_pids(self) -> list[int]:
        """The server's processes."""
        return [daphne.pid for daphne in self.daphnes]

    async def run(self) -> SoakReport:
        """Set up, run the calls, check, tear down."""
        try:
            await self.set_up()
            # One connection per request, as Twilio's webhooks come: a pooled keep-alive
            # connection would count as a socket daphne holds, a false leak.
            no_keep_alive = aiohttp.TCPConnector(force_close=True)
            async with aiohttp.ClientSession(connector=no_keep_alive) as http:
                self.shared.http = http
                await self.warm_up()
                await self.drive()
                await self.check()
        finally:
            await self.tear_down()
        return self.report

    # --- set-up and tear-down --------------------------------------------------------------

    async def set_up(self) -> None:
        """Fake AI, database, daphne processes."""
        self.fake = await servers.start_fake()
        self.shared.fake = self.fake
        realtime_url = f"ws://127.0.0.1:{self.fake.port}/v1/realtime"
        if self.postgres:
            await asyncio.to_thread(self.postgres_admin, f'CREATE DATABASE "{self.database}"')
        ports = [servers.free_port() for _ in range(self.options.processes)]
        redis_url = self.options.redis_url if self.options.processes > 1 else ""
        for port in ports:
            env = servers.server_env(self.database_url, ports[0], realtime_url, redis_url)
            if self.options.memory_upkeep_s is not None:
                env["MEMORY_UPKEEP_SECONDS"] = str(self.options.memory_upkeep_s)
            self.daphnes.append(servers.Daphne(port, env, log_path=self.tmp / f"d{port}.log"))
        await asyncio.to_thread(servers.migrate, self.daphnes[0].env)
        await asyncio.gather(*(daphne.start() for daphne in self.daphnes))

    async def tear_down(self) -> None:
        """Stop what we started; drop the PostgreSQL database."""
        await asyncio.gather(*(daphne.stop() for daphne in self.daphnes))
        if self.fake is not None:
            await self.fake.close()
        if self.postgres:
            await asyncio.to_thread(
                self.postgres_admin, f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'
            )
        shutil.rmtree(self.tmp, ignore_errors=True)

    @staticmethod
    def postgres_admin(statement: str) -> None:
        """Run CREATE/DROP DATABASE."""
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            connection.execute(statement)

    def target(self, slot: int) -> Target:
        """Slot i streams to process i % P; its webhook goes to the next one."""
        stream = self.daphnes[slot % len(self.daphnes)]
        webhook = self.daphnes[(slot + 1) % len(self.daphnes)]
        return Target(
            stream_url=stream.stream_url,
            webhook_url=f"{webhook.base_url}/twilio/voice",
            public_base_url=self.daphnes[0].base_url,
            public_stream_url=self.daphnes[0].stream_url,
            auth_token=servers.AUTH_TOKEN,
            account_sid=servers.ACCOUNT_SID,
        )

    # --- the run -----------------------------------------------------------------------------

    def new_call(self, slot: int, behaviour: Behaviour) -> SimCall:
        """A call with a run-unique number."""
        call = SimCall(self.next_call_no, self.target(slot), behaviour, self.shared, self.speech)
        self.next_call_no += 1
        return call

    async def warm_up(self) -> None:
        """One short call per process, finalized, then the baseline look at each process."""
        quick = Behaviour(barge_in_share=0.0, quiet_before_hangup_s=0.5, max_ending_s=2.0)
        warm = [self.new_call(slot, quick) for slot in range(len(self.daphnes))]
        results = await asyncio.gather(*(c.run(time.monotonic() + 2.0) for c in warm))
        await self.wait_finalized([r.call_sid for r in results])
        await self.fake.ask("calls", forget=True)
        for daphne in self.daphnes:
            self.report.processes.append(ProcessFigures(daphne.port, await self.settled(daphne)))
        self.metrics_token = await asyncio.to_thread(metrics_probe.issue_token, self.daphnes[0].env)
        self.report.metrics_before = await self.scrape_all()

    async def scrape_all(self) -> list[dict | None]:
        """/metrics of every daphne (None where it is not served)."""
        if self.metrics_token is None:
            return [None for _ in self.daphnes]
        return [
            await metrics_probe.scrape(self.shared.http, d.base_url, self.metrics_token)
            for d in self.daphnes
        ]

    async def drive(self) -> None:
        """Run the slots until the time is up; sample memory meanwhile."""
        options = self.options
        await self.fake.ask("window")
        self.shared.window_open = True
        started = time.monotonic()
        end = started + options.minutes * 60
        cpu_before = servers.sample_all(self.daphne_pids).cpu_s
        sampler = asyncio.create_task(self.sample_memory(started))
        ramp_s = options.ramp_s if options.ramp_s is not None else min(10.0, options.calls * 0.1)
        slots = [
            asyncio.create_task(self.run_slot(slot, started + ramp_s * slot / options.calls, end))
            for slot in range(options.calls)
        ]
        for results in await asyncio.gather(*slots):
            self.report.results.extend(results)
        sampler.cancel()
        self.shared.window_open = False
        self.report.duration_s = time.monotonic() - started
        self.report.cpu_s = servers.sample_all(self.daphne_pids).cpu_s - cpu_before

    async def run_slot(self, slot: int, start_at: float, end: float) -> list[CallResult]:
        """Back-to-back calls on one slot; at least one."""
        rng = random.Random(slot)
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        results = []
        while True:
            behaviour = Behaviour(
                duration_s=rng.uniform(*self.options.call_seconds),
                barge_in_share=self.options.barge_in_share,
                drop_ai=rng.random() < self.options.drop_share,
            )
            call = self.new_call(slot, behaviour)
            stop_at = min(end, time.monotonic() + behaviour.duration_s)
            results.append(await call.run(stop_at))
            self.finished += 1
            if time.monotonic() >= end:
                return results

    async def sample_memory(self, started: float) -> None:
        """Resident memory of all daphnes against finished calls, every few seconds."""
        while True:
            rss = servers.sample_all(self.daphne_pids).rss_bytes
            live = self.next_call_no - 1 - self.finished - len(self.daphnes)
            self.report.rss_samples.append((time.monotonic() - started, self.finished, live, rss))
            await asyncio.sleep(self.options.sample_every_s)

    # --- after the run -----------------------------------------------------------------------

    async def check(self) -> None:
        """Wait for the server to finish writing, then verify and look for leaks."""
        report = self.report
        call_sids = {r.call_no: r.call_sid for r in report.results if not r.error}
        await self.wait_finalized(list(call_sids.values()))
        report.inbound = await self.fake.ask("report")
        fake_calls = (await self.fake.ask("calls"))["calls"]
        report.unfinished_fake_sessions = sum(c["live_sessions"] for c in fake_calls)
        values = np.frombuffer(self.shared.outbound_us, dtype=np.int64) / 1000.0
        if values.size:
            report.outbound_ms = tuple(float(v) for v in np.percentile(values, [50, 99]))
        report.call_seconds = sum(r.ended_at - r.started_at for r in report.results)
        report.frames_sent = sum(r.frames_sent for r in report.results)
        appended = {c["call_no"]: c["appends"] for c in fake_calls}
        report.frames_appended = sum(appended.get(r.call_no, 0) for r in report.results)
        reconnected = {c["call_no"] for c in fake_calls if c["sessions"] > 1}
        received = {c["call_no"]: c["frame_runs"] for c in fake_calls}
        report.lossy_calls = [
            (
                r.call_sid,
                r.frames_sent - appended.get(r.call_no, 0),
                r.call_no in reconnected,
                missing_frames(received.get(r.call_no, []), r.frames_sent),
            )
            for r in report.results
            if r.frames_sent != appended.get(r.call_no, 0)
        ]
        self.reactions(fake_calls)
        report.verdict = await asyncio.to_thread(verify, self.database_url, call_sids, fake_calls)
        report.server_log = self.server_log_lines()
        for figures, daphne in zip(report.processes, self.daphnes, strict=True):
            figures.after = await self.settled(daphne, figures.baseline)
        await self.scrape_once_tasks_settled()

    async def scrape_once_tasks_settled(self) -> None:
        """Keep /metrics once daphne's task count is back at the warm-up figure, or after 10 s.

        On a loaded box a call's last teardown task (an unsubscribe, a close handshake) may
        still be finishing at the first look; one that is still there after 10 s is a leak.
        """
        deadline = time.monotonic() + 10.0
        while True:
            self.report.metrics_after = await self.scrape_all()
            leaked = self.report.leaked_tasks
            if leaked is None or leaked <= 0 or time.monotonic() >= deadline:
                return
            await asyncio.sleep(0.5)  # polling another process's figure

    def reactions(self, fake_calls: list[dict]) -> None:
        """Barge-in reaction per clear, and the silence heard across each AI reconnect."""
        started = {c["call_no"]: sorted(c["speech_started"]) for c in fake_calls}
        for result in self.report.results:
            times = started.get(result.call_no, [])
            for cleared in result.clears:
                before = [t for t in times if t <= cleared]
                if before and cleared - before[-1] < 2.0:
                    self.report.barge_in_ms.append((cleared - before[-1]) * 1000)
            if result.drop_at is not None:
                if result.reconnect_silence_s is None:
                    self.report.reconnects_without_audio += 1
                else:
                    self.report.reconnect_silence_s.append(result.reconnect_silence_s)

    async def wait_finalized(self, call_sids: list[str]) -> bool:
        """Until every call row is ended (the recorder writes beside the hot path) or timeout."""
        wanted = set(call_sids)
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while time.monotonic() < deadline:
            calls, _ = await asyncio.to_thread(read_rows, self.database_url)
            if wanted <= {sid for _, sid, status, ended, _ in calls if ended is not None}:
                return True
            await asyncio.sleep(0.2)
        return False

    def server_log_lines(self) -> list[str]:
        """Warnings, errors and exceptions the daphnes logged, most frequent first."""
        counts: dict[str, int] = {}
        for daphne in self.daphnes:
            if daphne.log_path is None or not daphne.log_path.exists():
                continue
            in_traceback = False
            for line in daphne.log_path.read_text(errors="replace").splitlines():
                if line.startswith("Traceback"):
                    in_traceback = True
                    continue
                if in_traceback and line.startswith((" ", "\t")):
                    continue
                if in_traceback:  # the exception line that ends a traceback
                    key = f"exception: {line[:160]}"
                    in_traceback = False
                elif " WARNING " in line or " ERROR " in line:
                    key = line.split(" ", 2)[-1][:160]
                    key = key.split("] ", 1)[-1]  # drop the CallSid: count kinds, not calls
                else:
                    continue
                counts[key] = counts.get(key, 0) + 1
        return [f"{n} x {key}" for key, n in sorted(counts.items(), key=lambda kv: -kv[1])]

    async def settled(
        self, daphne: servers.Daphne, baseline: servers.ProcessSample | None = None
    ) -> servers.ProcessSample:
        """A look at the process once its socket count stops falling (or reaches the baseline)."""
        last = servers.sample(daphne.pid)
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            now = servers.sample(daphne.pid)
            at_baseline = baseline is not None and now.sockets <= baseline.sockets
            if at_baseline or (baseline is None and now.sockets == last.sockets):
                return now
            last = now
        return last


def missing_frames(received: list[list[int]], frames_sent: int) -> str:
    """Which of frames 1..frames_sent the fake never got, e.g. "frames 806-812 of 812"."""
    gaps, expected = [], 1
    for first, last in received:
        if first > expected:
            gaps.append((expected, min(first - 1, frames_sent)))
        expected = max(expected, last + 1)
    if expected <= frames_sent:
        gaps.append((expected, frames_sent))
    named = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in gaps if a <= b)
    return f"frames {named or 'none'} of {frames_sent}"


def render(report: SoakReport) -> str:
    """The printed report."""
    options = report.options
    ms = report.barge_in_ms
    silence = report.reconnect_silence_s
    verdict = report.verdict
    inbound = report.inbound
    per_call_s = report.cpu_s * 1000 / report.call_seconds if report.call_seconds else None
    first, last = report.rss_samples[0], report.rss_samples[-1]
    peak_live = max(report.rss_samples, key=lambda s: s[2])
    base_rss = sum(p.baseline.rss_bytes for p in report.processes)
    after_rss = sum(p.after.rss_bytes for p in report.processes)
    steady = [s for s in report.rss_samples if s[1] >= options.calls]
    growth = slope([s[1] for s in steady], [s[3] for s in steady])
    lines = [
        f"soak: {options.calls} call slots x {options.minutes:g} min, {options.processes} "
        f"daphne process(es), {report.database}"
        f"{' + Redis' if options.processes > 1 else ''}; calls of {options.call_seconds[0]:g}-"
        f"{options.call_seconds[1]:g} s; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
        f"ran {report.duration_s:.0f} s: {len(report.results)} calls "
        f"({len(report.failed_calls)} failed to dial), {report.call_seconds:.0f} call-seconds",
        "",
        "per-frame latency (ms, end to end over loopback):",
        f"  in  (caller media -> append at the fake): p50 {fmt(inbound.get('p50_ms'))}  "
        f"p99 {fmt(inbound.get('p99_ms'))}  max {fmt(inbound.get('max_ms'))}  "
        f"({inbound.get('count', 0)} frames)",
        f"  out (fake delta -> media at the caller):  p50 {fmt(report.outbound_ms[0])}  "
        f"p99 {fmt(report.outbound_ms[1])}",
        f"CPU per call: {fmt(per_call_s)} ms per call-second ({fmt((per_call_s or 0) / 10)}% of a "
        f"core per call); daphne total {report.cpu_s:.1f} CPU-s",
        f"memory: {base_rss / MIB:.1f} MiB after warm-up, {peak_live[3] / MIB:.1f} MiB with "
        f"{peak_live[2]} calls live (~{(peak_live[3] - base_rss) / MIB / max(1, peak_live[2]):.3f}"
        f" MiB per live call), {after_rss / MIB:.1f} MiB after the run",
        f"  growth per finished call (least squares over {len(steady)} samples after the first "
        f"wave): {fmt(growth / 1024 if growth is not None else None)} KiB"
        f"  [{first[3] / MIB:.1f} -> {last[3] / MIB:.1f} MiB over {last[1]} finished calls]",
        f"barge-in reaction (speech_started sent -> clear received): n={len(ms)} "
        f"p50 {fmt(float(np.percentile(ms, 50)) if ms else None)} "
        f"p99 {fmt(float(np.percentile(ms, 99)) if ms else None)} "
        f"max {fmt(max(ms) if ms else None)} ms",
        f"AI reconnects (socket cut mid-sentence): {len(silence) + report.reconnects_without_audio}"
        f"; silence heard p50 {fmt(float(np.percentile(silence, 50)) if silence else None)} "
        f"max {fmt(max(silence) if silence else None)} s; "
        f"{report.reconnects_without_audio} without agent audio within 6 s",
        "",
        "checks:",
        f"  caller frames lost: {report.lost_frames} of {report.frames_sent} "
        f"({inbound.get('unstamped', 0)} unstamped appends)",
        f"  utterances: {verdict.expected_utterances} produced by the fake, "
        f"{len(verdict.lost_utterances)} missing from the database, "
        f"{len(verdict.text_differs)} stored with different text",
        f"  calls: {verdict.calls} placed, {len(verdict.missing_rows)} without a row, "
        f"{len(verdict.not_finalized)} not finalized; end reasons {verdict.end_reasons}",
    ]
    for figures in report.processes:
        lines.append(
            f"  daphne :{figures.port}: sockets {figures.baseline.sockets} -> "
            f"{figures.after.sockets}, threads {figures.baseline.threads} -> "
            f"{figures.after.threads} (after warm-up -> after the run)"
        )
    tasks = "unknown (no /metrics)" if report.leaked_tasks is None else report.leaked_tasks
    lines.append(
        f"  leaked: {report.leaked_sockets} sockets, {report.leaked_threads} threads, "
        f"{tasks} asyncio tasks (from /metrics); "
        f"{report.unfinished_fake_sessions} AI sessions still open"
    )
    for call_sid, speaker, item_id, text in verdict.lost_utterances[:5]:
        lines.append(f"  lost: {call_sid} {speaker} {item_id} {text!r}")
    for call_sid, speaker, item_id, text in verdict.text_differs[:5]:
        lines.append(f"  differs: {call_sid} {speaker} {item_id} stored {text}")
    for call_sid, lost, reconnected, which in report.lossy_calls[:5]:
        why = " (its AI socket was cut)" if reconnected else ""
        lines.append(f"  frames lost: {lost} in {call_sid}{why}: {which}")
    for call_sid in verdict.not_finalized[:5]:
        lines.append(f"  not finalized: {call_sid}")
    for result in report.failed_calls[:5]:
        lines.append(f"  failed: call {result.call_no}: {result.error}")
    lines.extend(metrics_lines(report))
    lines.append(
        f"daphne log: {sum(int(x.split(' ')[0]) for x in report.server_log)} warnings, errors "
        "and exceptions"
    )
    lines.extend(f"  {line}" for line in report.server_log[:10])
    return "\n".join(lines)


def metrics_lines(report: SoakReport) -> list[str]:
    """What the daphnes' /metrics say, before and after the run."""
    if report.live_bridges_after is None:
        return ["  /metrics: not served (no live-bridge or task figures from inside daphne)"]
    lines = [f"  /metrics: bridges still active after the run: {report.live_bridges_after}"]
    for before, after in zip(report.metrics_before, report.metrics_after, strict=True):
        if not before or not after:
            continue
        name = "ars_barge_in_reaction_seconds"
        count = after.get(f"{name}_count", 0) - before.get(f"{name}_count", 0)
        p50 = metrics_probe.histogram_quantile(after, name, 0.5)
        p99 = metrics_probe.histogram_quantile(after, name, 0.99)
        finished = after.get("ars_calls_finished_total", 0) - before.get(
            "ars_calls_finished_total", 0
        )
        lines.append(
            f"  /metrics: {finished:.0f} calls finished; bridge's own barge-in reaction "
            f"(speech_started -> clear sent), bucket bounds: p50 <= {fmt(p50 and p50 * 1000)} ms, "
            f"p99 <= {fmt(p99 and p99 * 1000)} ms (n={count:.0f}); recorder lost "
            f"{after.get('ars_recorder_lost_total', 0):.0f}, monitor events dropped "
            f"{after.get('ars_monitor_events_dropped_total', 0):.0f}"
        )
        passes = after.get("ars_memory_upkeep_passes_total", 0) - before.get(
            "ars_memory_upkeep_passes_total", 0
        )
        longest = after.get("ars_memory_upkeep_max_collect_seconds")
        lines.append(
            f"  /metrics: memory upkeep passes {passes:.0f}, longest full collection "
            f"{fmt(longest and longest * 1000)} ms"
        )
    return lines


async def run_soak(options: SoakOptions) -> SoakReport:
    """Run one soak and return its report."""
    return await Soak(options).run()


def parse_args(argv=None) -> SoakOptions:
    """Flags."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100, help="concurrent call slots")
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--processes", type=int, default=1, choices=(1, 2))
    parser.add_argument("--min-call-s", type=float, default=20.0)
    parser.add_argument("--max-call-s", type=float, default=40.0)
    parser.add_argument("--drop-share", type=float, default=0.05)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument(
        "--memory-upkeep-s", type=int, default=None, help="MEMORY_UPKEEP_SECONDS (0: off)"
    )
    args = parser.parse_args(argv)
    return SoakOptions(
        calls=args.calls,
        minutes=args.minutes,
        processes=args.processes,
        call_seconds=(args.min_call_s, args.max_call_s),
        drop_share=args.drop_share,
        redis_url=args.redis_url,
        memory_upkeep_s=args.memory_upkeep_s,
    )


def main(argv=None) -> None:
    """Run and print."""
    report = asyncio.run(run_soak(parse_args(argv)))
    print(render(report))


if __name__ == "__main__":
    main()
