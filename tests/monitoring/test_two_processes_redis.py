"""Across processes: a supervisor on one daphne process watches and hangs up a call on another."""

import asyncio
import json
import subprocess
import sys

import pytest
from django.conf import settings

from calls.demo.conversation import DEMO_SCRIPT, until_agent_has_spoken
from calls.simulator.fake_realtime import FakeRealtimeServer
from calls.simulator.twilio_caller import StreamEnded, TwilioCaller
from tests.monitoring.live_client import login_cookie, next_matching, open_socket
from tests.server_process import ROOT, start_server

pytestmark = [pytest.mark.redis, pytest.mark.slow]

PASSWORD = "two-process-password-1"
WITHIN = 20


async def start_two_servers(tmp_path, realtime_url: str, redis_url: str):
    """Two server processes sharing one database and one Redis."""
    first = await asyncio.to_thread(
        start_server, tmp_path, OPENAI_REALTIME_URL=realtime_url, REDIS_URL=redis_url
    )
    second = await asyncio.to_thread(
        start_server, tmp_path, OPENAI_REALTIME_URL=realtime_url, REDIS_URL=redis_url
    )
    await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "manage.py", "staff_account", "boss", "--password", PASSWORD],
        cwd=ROOT,
        env=first.env,
        check=True,
        capture_output=True,
    )
    return first, second


async def stay_on_the_line(call):
    """The caller hears the greeting and waits until the server ends the call."""
    try:
        await until_agent_has_spoken(call)
        return await call.wait_until_ended(timeout=WITHIN)
    except StreamEnded:
        return await call.hang_up()


async def test_a_supervisor_on_one_process_sees_and_hangs_up_a_call_held_by_another(
    tmp_path, redis_url
):
    async with FakeRealtimeServer(
        api_key=settings.OPENAI_API_KEY, script=DEMO_SCRIPT, speed=4.0
    ) as fake:
        holder, watcher = await start_two_servers(tmp_path, fake.url, redis_url)
        try:
            cookie = await asyncio.to_thread(login_cookie, watcher.base_url, "boss", PASSWORD)
            socket = await open_socket(watcher.base_url, cookie)
            await socket.send(json.dumps({"action": "subscribe", "target": "wallboard"}))
            await next_matching(socket, lambda m: m["type"] == "snapshot")

            caller = TwilioCaller(
                base_url=holder.base_url,
                auth_token=settings.TWILIO_AUTH_TOKEN,
                account_sid=settings.TWILIO_ACCOUNT_SID,
                clock="real",
            )
            call = await caller.dial()
            line = asyncio.create_task(stay_on_the_line(call))
            async with asyncio.timeout(WITHIN):
                seen = await next_matching(
                    socket, lambda m: m.get("call_sid") == call.call_sid and m.get("seq")
                )
                assert seen["type"] == "call.status"

                await socket.send(
                    json.dumps({"action": "subscribe", "target": "call", "call_sid": call.call_sid})
                )
                snapshot = await next_matching(socket, lambda m: m["type"] == "snapshot")
                assert snapshot["live"] is True
                greeting = await next_matching(socket, lambda m: m["type"] == "call.utterance")
                assert greeting["text"].startswith("안녕하세요, 고객센터 AI 상담원입니다.")

                await socket.send(json.dumps({"action": "hangup", "call_sid": call.call_sid}))
                await next_matching(socket, lambda m: m["type"] == "action.sent")
                final = await next_matching(
                    socket, lambda m: m["type"] == "call.status" and m["status"] == "ended"
                )
                assert final["end_reason"] == "supervisor_hangup"
                result = await line
            assert result.ended_by == "server"
            await socket.close()
        finally:
            await asyncio.to_thread(holder.stop)
            await asyncio.to_thread(watcher.stop)
