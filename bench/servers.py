"""Start and watch the processes a benchmark measures: daphne, the fake AI, the bare relay.

Figures about a process come from /proc: CPU (utime + stime), resident memory, open sockets
and threads. Each process is started by the benchmark and stopped by its own handle.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.load import Target

ROOT = Path(__file__).resolve().parents[1]
PYTHON = Path(sys.executable)  # the venv's interpreter runs the benchmark and its servers
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
AUTH_TOKEN = "bench-twilio-auth-token"
ACCOUNT_SID = "AC" + "be" * 16
OPENAI_KEY = "sk-bench"  # what bench/fake_ai.py accepts
STARTUP_TIMEOUT_S = 30.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class ProcessSample:
    """One look at a process in /proc."""

    at: float
    cpu_s: float
    rss_bytes: int
    sockets: int
    threads: int
    waited_s: float = 0.0  # time its main thread was runnable but had no core (run-queue wait)


def sample(pid: int) -> ProcessSample:
    """CPU seconds so far, resident bytes, open sockets, threads and run-queue wait of a process."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    cpu_s = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    threads = int(fields[17])
    with open(f"/proc/{pid}/statm") as statm:
        rss_bytes = int(statm.read().split()[1]) * PAGE_BYTES
    sockets = 0
    for name in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            sockets += os.readlink(f"/proc/{pid}/fd/{name}").startswith("socket:")
    waited_s = run_queue_wait_s(pid)
    return ProcessSample(time.monotonic(), cpu_s, rss_bytes, sockets, threads, waited_s)


def run_queue_wait_s(pid: int) -> float:
    """Seconds the process's main thread has waited for a core so far (0 without schedstats)."""
    try:
        with open(f"/proc/{pid}/schedstat") as schedstat:
            return int(schedstat.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def sample_all(pids: list[int]) -> ProcessSample:
    """One server run as several processes, sampled as one (see combined)."""
    return combined([sample(pid) for pid in pids])


def combined(samples: list[ProcessSample]) -> ProcessSample:
    """Several processes (one server in N processes) read as one: sums, at the first's time."""
    return ProcessSample(
        samples[0].at,
        sum(s.cpu_s for s in samples),
        sum(s.rss_bytes for s in samples),
        sum(s.sockets for s in samples),
        sum(s.threads for s in samples),
        sum(s.waited_s for s in samples),
    )


def machine_busy_s() -> float:
    """CPU seconds all processes on the machine have used (every core), from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / CLOCK_TICKS


async def wait_for_port(port: int, process: asyncio.subprocess.Process) -> None:
    """Return once something accepts TCP connections on the port."""
    async with asyncio.timeout(STARTUP_TIMEOUT_S):
        while True:
            if process.returncode is not None:
                raise RuntimeError(f"process {process.pid} exited with {process.returncode}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            await writer.wait_closed()
            return


async def stop(process: asyncio.subprocess.Process | None, grace_s: float = 5.0) -> None:
    """Terminate a process we started, then kill it if it lingers."""
    if process is None or process.returncode is not None:
        return
    process.terminate()
    try:
        async with asyncio.timeout(grace_s):
            await process.wait()
    except TimeoutError:
        process.kill()
        await process.wait()


class ControlledProcess:
    """A bench helper process speaking JSON lines: the first line names its port."""

    def __init__(self, process: asyncio.subprocess.Process, port: int):
        self.process = process
        self.port = port
        self.ids = itertools.count(1)
        self.lock = asyncio.Lock()

    @classmethod
    async def start(cls, module: str, *args: str) -> ControlledProcess:
        """Run `python -m module args` and wait for its port."""
        process = await asyncio.create_subprocess_exec(
            str(PYTHON),
            "-m",
            module,
            *args,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            limit=256 * 1024 * 1024,  # replies with every call of a long soak are one line
        )
        async with asyncio.timeout(STARTUP_TIMEOUT_S):
            line = await process.stdout.readline()
        if not line:
            raise RuntimeError(f"{module} exited before it listened")
        return cls(process, json.loads(line)["port"])

    @property
    def pid(self) -> int:
        """The process id."""
        return self.process.pid

    async def ask(self, cmd: str, **fields) -> dict:
        """Send one command and return its reply."""
        async with self.lock:
            number = next(self.ids)
            line = json.dumps({"id": number, "cmd": cmd, **fields}) + "\n"
            self.process.stdin.write(line.encode())
            await self.process.stdin.drain()
            async with asyncio.timeout(60):
                reply = json.loads(await self.process.stdout.readline())
        if reply.get("id") != number:
            raise RuntimeError(f"out-of-order reply {reply}")
        return reply

    async def close(self) -> None:
        """Close its stdin (it exits) and wait; kill if it does not."""
        if self.process.returncode is None and self.process.stdin:
            self.process.stdin.close()
        await stop(self.process)


async def start_fake(
    speed: float = 5.0, chunk_ms: int = 50, first_audio_delay_ms: int = 300, script: str = ""
) -> ControlledProcess:
    """The instrumented fake Realtime server (bench/fake_ai.py) in its own process."""
    return await ControlledProcess.start(
        "bench.fake_ai",
        "--speed",
        str(speed),
        "--chunk-ms",
        str(chunk_ms),
        "--first-audio-delay-ms",
        str(first_audio_delay_ms),
        *(("--script", script) if script else ()),
    )


async def start_relay(realtime_url: str, module: str = "bench.relay") -> ControlledProcess:
    """A bare relay in its own process: bench/relay.py (websockets) or bench/relay_aiohttp.py."""
    return await ControlledProcess.start(module, "--realtime-url", realtime_url)


@dataclass
class Daphne:
    """One daphne process serving arsproject.asgi:application."""

    port: int
    env: dict
    process: asyncio.subprocess.Process | None = None
    log_path: Path | None = None
    profile_path: Path | None = None  # run under cProfile, written when daphne stops
    root: Path = ROOT  # the checkout whose code runs (another worktree for a before/after)
    uvicorn_python: Path | None = None  # serve with uvicorn from this interpreter (experiment)

    @property
    def pid(self) -> int:
        """The process id."""
        return self.process.pid

    @property
    def base_url(self) -> str:
        """Where to send HTTP requests."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def stream_url(self) -> str:
        """Where to open the media stream."""
        return f"ws://127.0.0.1:{self.port}/twilio/stream"

    def caller_target(self) -> Target:
        """Where the bench's callers dial: this process's signed webhook and media stream."""
        return Target(
            stream_url=self.stream_url,
            webhook_url=f"{self.base_url}/twilio/voice",
            public_base_url=self.base_url,
            public_stream_url=self.stream_url,
            auth_token=AUTH_TOKEN,
            account_sid=ACCOUNT_SID,
        )

    async def start(self) -> None:
        """Launch daphne and wait until it accepts connections."""
        # A short blocking open before the server exists; nothing else runs yet.
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: ASYNC230
        try:
            profiler = ["-m", "cProfile", "-o", str(self.profile_path)] if self.profile_path else []
            self.process = await asyncio.create_subprocess_exec(
                *self.command(profiler),
                cwd=self.root,
                env=self.env,
                stdout=log,
                stderr=log,
            )
        finally:
            if self.log_path:
                log.close()
        await wait_for_port(self.port, self.process)

    def command(self, profiler: list[str]) -> list[str]:
        """daphne, or uvicorn with its `websockets` protocol when asked (not how we deploy)."""
        app, port = "arsproject.asgi:application", str(self.port)
        if self.uvicorn_python:
            server = ["-m", "uvicorn", "--host", "127.0.0.1", "--port", port, "--ws", "websockets"]
            server += ["--loop", "asyncio", "--http", "h11", "--lifespan", "off", "--no-access-log"]
            return [str(self.uvicorn_python), *profiler, *server, app]
        return [str(PYTHON), *profiler, "-m", "daphne", "-b", "127.0.0.1", "-p", port, app]

    async def stop(self) -> None:
        """Terminate daphne (SIGINT under the profiler, so it writes its figures)."""
        if self.profile_path and self.process and self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(20):
                    await self.process.wait()
        await stop(self.process)


def server_env(database_url: str, public_port: int, realtime_url: str, redis_url: str = "") -> dict:
    """The environment a bench daphne runs with; the public URLs are the first process's."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH")
    }
    env.update(
        {
            "ARS_SKIP_DOTENV": "1",
            "DJANGO_SETTINGS_MODULE": "arsproject.settings",
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_urlsafe(32),
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "OPENAI_API_KEY": OPENAI_KEY,
            "APP_PUBLIC_BASE_URL": f"http://127.0.0.1:{public_port}",
            "TWILIO_STREAM_ENDPOINT": f"ws://127.0.0.1:{public_port}/twilio/stream",
            "OPENAI_REALTIME_URL": realtime_url,
            "LOG_LEVEL": "warning",
            "HUMAN_AGENT_NUMBER": "",
        }
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def migrate(env: dict) -> None:
    """Create the schema (and the default profile) in the bench database."""
    subprocess.run(
        [str(PYTHON), "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


RECORD_EVERY_CALL = (
    "from prompts.models import AgentProfile; AgentProfile.objects.update(record_calls=True)"
)


def record_every_call(env: dict) -> None:
    """Turn recording on for the default profile of the bench database."""
    manage(env, "shell", "-c", RECORD_EVERY_CALL)


def manage(env: dict, *command: str) -> None:
    """Run one manage.py command against the bench's database."""
    subprocess.run(
        [str(PYTHON), "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
    )


def python_env_note() -> str:
    """The interpreter the figures were taken with."""
    return f"Python {sys.version.split()[0]}"


def sample_run(server_pids: list[int], fake_pid: int) -> dict:
    """CPU and memory of the server (summed over its processes), the fake AI and this process,
    and the machine's busy time."""
    return {
        "server": sample_all(server_pids),
        "fake": sample(fake_pid),
        "self": sample(os.getpid()),
        "machine": machine_busy_s(),
    }
