"""`manage.py fake_realtime` serves the fake until interrupted, with an optional JSON script."""

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import pytest
from django.core.management.base import CommandError
from websockets.asyncio.client import connect

from calls.management.commands.fake_realtime import build_server
from calls.simulator.fake_realtime import RealtimeScript, ToolCall

FIXTURE = Path(__file__).parent / "fixtures" / "realtime_delivery_call.json"
PROJECT = Path(__file__).resolve().parents[2]
DEFAULTS = {
    "host": "127.0.0.1",
    "port": 0,
    "api_key": "sk-demo",
    "script": None,
    "speed": 5.0,
    "first_audio_delay_ms": 400,
    "transcription_delay_ms": 300,
    "chunk_ms": 100,
    "ms_per_char": 70,
    "session_max_seconds": 3600,
}


def test_a_script_loads_from_json():
    script = RealtimeScript.from_json_file(FIXTURE)
    assert script.caller_line(0) == "네, 주문한 상품 배송 상태를 알고 싶어요."
    assert script.agent_turn(2).tool_call == ToolCall("lookup_order", {"order_id": "1234"})
    assert script.agent_turn(5).text == script.agent_turn(0).text  # turns cycle


def test_the_command_builds_a_server_from_its_options():
    server = build_server({**DEFAULTS, "script": str(FIXTURE), "speed": 0})
    assert server.api_key == "sk-demo"
    assert server.options.timing.speed is None  # 0 means as fast as possible
    assert server.script.agent_turn(4).tool_call.name == "end_call"


def test_a_broken_script_is_a_command_error(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError):
        build_server({**DEFAULTS, "script": str(broken)})


async def test_the_command_serves_until_interrupted_and_logs_each_connection():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "arsproject.test_settings"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "manage.py",
        "fake_realtime",
        "--port",
        "0",
        "--api-key",
        "sk-demo",
        cwd=PROJECT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with asyncio.timeout(20):
            banner = (await process.stdout.readline()).decode()
            url = re.search(r"ws://\S+", banner).group(0)
            headers = {"Authorization": "Bearer sk-demo"}
            async with connect(url, additional_headers=headers) as websocket:
                assert '"session.created"' in await websocket.recv()
                connected = (await process.stdout.readline()).decode()
            assert "connected" in connected and "sess_" in connected
            process.send_signal(signal.SIGINT)
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
