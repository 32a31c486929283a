"""`manage.py run_demo` (`make demo`): the whole system offline, with simulated Korean calls.

Starts the fake OpenAI Realtime server, the real server (`manage.py serve`) pointed at it with
local demo credentials, a staff account `demo` with a fresh printed password, then places
simulated Twilio calls in a loop, a few at a time, until Ctrl-C. No Twilio or OpenAI account.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import secrets
import sys
import urllib.request

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from calls.demo.accounts import ensure_staff_account
from calls.demo.business_api import BusinessApi
from calls.demo.conversation import DEMO_SCRIPT, demo_script, place_demo_call, profile_greeting
from calls.demo.tools import DEMO_TOKEN_ENV, ensure_demo_tool
from calls.simulator.fake_realtime import FakeRealtimeServer
from calls.simulator.twilio_caller import TwilioCaller

DEMO_TWILIO_TOKEN = "demo-local-twilio-auth-token"
DEMO_ACCOUNT_SID = "AC" + "d" * 32
DEMO_OPENAI_KEY = "sk-demo-local"
DIALLED_NUMBER = "+8215880000"
STARTUP_SECONDS = 30


def demo_env(host: str, port: int, realtime_url: str, orders_token: str) -> dict:
    """The server's environment: local demo credentials, the fake Realtime URL, tool access."""
    env = dict(os.environ)
    env.update(
        {
            "TWILIO_AUTH_TOKEN": DEMO_TWILIO_TOKEN,
            "TWILIO_ACCOUNT_SID": DEMO_ACCOUNT_SID,
            "OPENAI_API_KEY": DEMO_OPENAI_KEY,
            "OPENAI_REALTIME_URL": realtime_url,
            "APP_PUBLIC_BASE_URL": f"http://{host}:{port}",
            "TWILIO_STREAM_ENDPOINT": f"ws://{host}:{port}/twilio/stream",
            "HUMAN_AGENT_NUMBER": env.get("HUMAN_AGENT_NUMBER") or "+8215880001",
            "PORT": str(port),
            "TOOL_ALLOWED_HOSTS": "127.0.0.1",
            DEMO_TOKEN_ENV: orders_token,
        }
    )
    return env


def random_caller_number() -> str:
    """A Korean mobile number for a simulated caller."""
    return f"+8210{random.randint(10_000_000, 99_999_999)}"


class Command(BaseCommand):
    """Run the offline demo until Ctrl-C."""

    help = "Offline demo: fake Realtime, the server, a demo staff account, simulated calls."

    def add_arguments(self, parser):
        """Where to listen, how many calls at once, how fast the fake model talks."""
        parser.add_argument(
            "--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)"
        )
        parser.add_argument(
            "--port",
            type=int,
            default=settings.PORT,
            help=f"port to serve on (default {settings.PORT}, $PORT)",
        )
        parser.add_argument(
            "--concurrent", type=int, default=3, help="simulated calls at the same time (default 3)"
        )
        parser.add_argument(
            "--calls", type=int, default=0, help="stop after N calls (default 0: never stop)"
        )
        parser.add_argument(
            "--speed", type=float, default=1.5, help="fake model speed, x real time (default 1.5)"
        )
        parser.add_argument(
            "--username", default="demo", help="the demo staff account to create (default demo)"
        )

    def handle(self, *args, **options):
        """Migrate, create the demo account, then run the stack."""
        for noisy in ("websockets", "calls.simulator"):  # one line per connection otherwise
            logging.getLogger(noisy).setLevel(logging.WARNING)
        call_command("migrate", interactive=False, verbosity=0)
        password = ensure_staff_account(options["username"], tour=True)
        try:
            asyncio.run(self.run_stack(options, password))
        except KeyboardInterrupt:
            self.stdout.write("demo stopped")

    async def run_stack(self, options, password: str) -> None:
        """Fake Realtime in this process, the server as a child, calls until stopped."""
        host, port = options["host"], options["port"]
        fake = FakeRealtimeServer(
            api_key=DEMO_OPENAI_KEY,
            script=DEMO_SCRIPT,
            speed=options["speed"],
            first_audio_delay_ms=400,
            transcription_delay_ms=300,
        )
        await fake.start()
        orders = BusinessApi(token=secrets.token_urlsafe(16), slow_seconds=2.5)
        orders_url = await orders.start()
        await sync_to_async(ensure_demo_tool)(orders_url)
        server = await asyncio.create_subprocess_exec(
            *(sys.executable, "manage.py", "serve", "--host", host, "--port", str(port)),
            cwd=settings.BASE_DIR,
            env=demo_env(host, port, fake.url, orders.token),
            stdout=asyncio.subprocess.DEVNULL,
        )
        try:
            await wait_until_healthy(host, port, server)
            self.banner(host, port, options["username"], password)
            await self.call_loop(host, port, options, fake)
        finally:
            if server.returncode is None:
                server.terminate()  # the server drains its calls, then exits
                try:
                    await asyncio.wait_for(server.wait(), 15)
                except TimeoutError:
                    server.kill()
            await fake.stop()
            await orders.stop()

    def banner(self, host: str, port: int, username: str, password: str) -> None:
        """Tell the newcomer where to look and how to log in."""
        self.stdout.write(
            self.style.SUCCESS(
                "\n  ARS AI Voice 데모가 실행 중입니다 (Ctrl-C로 종료).\n"
                f"  상황판:   http://{host}:{port}/dashboard/\n"
                f"  관리자:   http://{host}:{port}/admin/\n"
                f"  아이디:   {username}\n"
                f"  비밀번호: {password}\n"
                "  업무 도구: lookup_order (데모 주문 API, 주문 2024는 일부러 느림)\n"
            )
        )

    async def call_loop(self, host: str, port: int, options, fake: FakeRealtimeServer) -> None:
        """Keep `--concurrent` simulated calls going (stop after `--calls` when set)."""
        remaining = options["calls"] or None
        lock = asyncio.Lock()

        async def lane(index: int) -> None:
            nonlocal remaining
            await asyncio.sleep(index * 2.5)  # stagger the lanes so calls overlap unevenly
            while True:
                async with lock:
                    if remaining is not None:
                        if remaining <= 0:
                            return
                        remaining -= 1
                # Each call opens with the greeting the profile has now: an edit shows at once.
                greeting = await sync_to_async(profile_greeting)(DIALLED_NUMBER)
                fake.script = demo_script(greeting)
                await self.one_call(host, port)
                fake.sessions.clear()  # keep a long demo's memory flat
                await asyncio.sleep(random.uniform(1.0, 4.0))

        await asyncio.gather(*(lane(i) for i in range(options["concurrent"])))

    async def one_call(self, host: str, port: int) -> None:
        """Place one simulated call and print how it ended; a failed call does not stop the demo."""
        caller = TwilioCaller(
            base_url=f"http://{host}:{port}",
            auth_token=DEMO_TWILIO_TOKEN,
            account_sid=DEMO_ACCOUNT_SID,
            from_number=random_caller_number(),
            to_number=DIALLED_NUMBER,
            clock="real",
        )
        try:
            call, result = await place_demo_call(caller)
        except Exception as error:  # keep the demo going; say what happened
            self.stderr.write(f"simulated call failed: {error!r}")
            return
        self.stdout.write(f"통화 {call.call_sid}: {result.outcome}, {result.duration_s}s")


async def wait_until_healthy(host: str, port: int, server: asyncio.subprocess.Process) -> None:
    """Wait for /healthz to answer, or fail if the server process exits first."""
    url = f"http://{host}:{port}/healthz"
    for _ in range(STARTUP_SECONDS * 10):
        if server.returncode is not None:
            raise CommandError(f"the server exited with code {server.returncode}")
        try:
            await asyncio.to_thread(urllib.request.urlopen, url, timeout=1)
            return
        except OSError:
            await asyncio.sleep(0.1)  # readiness probe: the port opens when daphne is ready
    raise CommandError(f"the server did not answer {url} within {STARTUP_SECONDS} s")
