"""Across processes: a supervisor on one daphne listens to and takes over a call held by another."""

import asyncio
import json
import subprocess
import sys

import pytest
from django.conf import settings

from calls.demo.conversation import DEMO_SCRIPT
from calls.live.protocol import listen_audio
from calls.simulator.fake_realtime import FakeRealtimeServer
from calls.simulator.twilio_caller import StreamEnded, TwilioCaller
from tests.monitoring.live_client import login_cookie, open_socket
from tests.monitoring.voice_helpers import dominant_hz, level_at, tone_ulaw
from tests.server_process import ROOT, start_server

pytestmark = [pytest.mark.redis, pytest.mark.slow]

PASSWORD = "voice-two-process-password-1"
WITHIN = 20
CALLER_HZ = 1250.0
SUPERVISOR_HZ = 1750.0
AI_TONES_HZ = (220.0, 440.0, 660.0, 880.0)


class Supervisor:
    """The monitor socket of a server in another process: JSON and audio frames apart."""

    def __init__(self, socket):
        self.socket = socket
        self.messages: list[dict] = []
        self.frames: list[listen_audio.AudioFrame] = []
        self.arrived = asyncio.Event()
        self.reader = asyncio.ensure_future(self.read())

    async def read(self):
        async for data in self.socket:
            if isinstance(data, bytes):
                self.frames.append(listen_audio.unpack(data))
            else:
                self.messages.append(json.loads(data))
            self.arrived.set()

    async def until(self, predicate):
        async with asyncio.timeout(WITHIN):
            while not (value := predicate()):
                self.arrived.clear()
                await self.arrived.wait()
        return value

    def reply(self, op: str):
        return next(
            (m for m in self.messages if m.get("type") == "voice.reply" and m["op"] == op), None
        )

    async def send(self, message: dict):
        await self.socket.send(json.dumps(message))

    async def microphone(self, ms: int, then_silence_ms: int = 800):
        """Speak a tone into the call (20 ms frames at a microphone's pace)."""
        audio = tone_ulaw(SUPERVISOR_HZ, ms) + b"\xff" * 8 * then_silence_ms
        for seq, offset in enumerate(range(0, len(audio), 160), start=1):
            chunk = audio[offset : offset + 160]
            await self.socket.send(listen_audio.pack(listen_audio.SUPERVISOR, seq, seq * 20, chunk))
            await asyncio.sleep(0.02)


async def caller_line(call, stop: asyncio.Event):
    """The caller speaks a tone every two seconds until told to stop, then hangs up."""
    try:
        while not stop.is_set() and call.streaming:
            await call.send_audio(tone_ulaw(CALLER_HZ, 600))
            await call.send_silence(1400)
        await call.hang_up()
    except StreamEnded:
        pass


async def test_a_supervisor_on_another_process_listens_takes_over_and_hands_back(
    tmp_path, redis_url
):
    async with FakeRealtimeServer(
        api_key=settings.OPENAI_API_KEY, script=DEMO_SCRIPT, speed=2.0
    ) as fake:
        env = {"OPENAI_REALTIME_URL": fake.url, "REDIS_URL": redis_url}
        holder = await asyncio.to_thread(start_server, tmp_path, **env)
        other = await asyncio.to_thread(start_server, tmp_path, **env)
        stop = asyncio.Event()
        try:
            await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "manage.py", "staff_account", "boss", "--password", PASSWORD]
                + ["--voice"],
                cwd=ROOT,
                env=holder.env,
                check=True,
                capture_output=True,
            )
            cookie = await asyncio.to_thread(login_cookie, other.base_url, "boss", PASSWORD)
            supervisor = Supervisor(await open_socket(other.base_url, cookie))
            caller = TwilioCaller(
                base_url=holder.base_url,
                auth_token=settings.TWILIO_AUTH_TOKEN,
                account_sid=settings.TWILIO_ACCOUNT_SID,
                clock="real",
            )
            call = await caller.dial()
            line = asyncio.create_task(caller_line(call, stop))
            session = await fake.next_session()

            await supervisor.send({"action": "listen", "call_sid": call.call_sid})
            await supervisor.until(lambda: supervisor.reply("listen"))
            tone = await supervisor.until(
                lambda: [
                    f for f in supervisor.frames if f.channel == 0 and dominant_hz(f.ulaw) > 1000
                ]
            )
            assert abs(dominant_hz(b"".join(f.ulaw for f in tone)) - CALLER_HZ) < 60

            await supervisor.send({"action": "take_over", "call_sid": call.call_sid})
            taken = await supervisor.until(lambda: supervisor.reply("take_over"))
            assert taken["ok"] is True
            taken_at = call.now_ms
            await supervisor.microphone(1500)
            after = b"".join(audio for at, audio in call.heard if at >= taken_at)
            assert abs(dominant_hz(after) - SUPERVISOR_HZ) < 25
            assert max(level_at(after, hz) for hz in AI_TONES_HZ) < 0.02 * level_at(
                after, SUPERVISOR_HZ
            )

            await supervisor.send({"action": "hand_back", "call_sid": call.call_sid})
            back = await supervisor.until(lambda: supervisor.reply("hand_back"))
            assert back["ok"] is True
            await session.wait_for_client_event(
                lambda e: e["type"] == "response.create" and e["event_id"].startswith("evt_resume"),
                timeout=WITHIN,
            )
            stop.set()
            await asyncio.wait_for(line, WITHIN)
            supervisor.reader.cancel()
            await supervisor.socket.close()
        finally:
            stop.set()
            await asyncio.to_thread(holder.stop)
            await asyncio.to_thread(other.stop)
