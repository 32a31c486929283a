"""Run the real server (`manage.py serve`, daphne) in a subprocess with its own database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ServerProcess:
    """A running server and the addresses a simulated Twilio uses for it."""

    process: subprocess.Popen
    port: int
    env: dict

    @property
    def base_url(self) -> str:
        """The server's HTTP base URL (also its public URL here)."""
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Kill the server if it is still running."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def server_env(database_path: Path, port: int, **extra: str) -> dict:
    """Environment for a server process: test credentials, its own SQLite file, no .env."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "arsproject.settings",
            "ARS_DOTENV_PATH": "/nonexistent/.env",
            "DATABASE_URL": os.environ.get("DATABASE_URL")
            and extra.pop("DATABASE_URL", "")
            or f"sqlite:///{database_path}",
            "TWILIO_AUTH_TOKEN": settings.TWILIO_AUTH_TOKEN,
            "TWILIO_ACCOUNT_SID": settings.TWILIO_ACCOUNT_SID,
            "OPENAI_API_KEY": settings.OPENAI_API_KEY,
            "APP_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "TWILIO_STREAM_ENDPOINT": f"ws://127.0.0.1:{port}/twilio/stream",
            "HUMAN_AGENT_NUMBER": settings.HUMAN_AGENT_NUMBER,
            "LOG_LEVEL": "info",
        }
    )
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def wait_until_listening(port: int, process: subprocess.Popen, within: float = 20.0) -> None:
    """Block until /healthz answers (the server is up) or the process died."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)  # a readiness probe: the port opens when daphne is ready
    raise TimeoutError("server did not start listening")


def start_server(tmp_path: Path, **extra: str) -> ServerProcess:
    """Migrate a fresh database and start `manage.py serve` on a free port."""
    port = free_port()
    env = server_env(tmp_path / "server.sqlite3", port, **extra)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port), "--no-access-log"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    wait_until_listening(port, process)
    return ServerProcess(process, port, env)
