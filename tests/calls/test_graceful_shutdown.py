"""SIGTERM: the process stops taking calls, lets active ones finish, then ends the rest politely."""

import asyncio
import contextlib
import json
import signal
import sqlite3
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from twilio.request_validator import RequestValidator

from calls.simulator.twilio_caller import TwilioCaller
from tests.server_process import start_server

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path, fake_ai):
    """A real server process pointed at the fake Realtime server, with a 1 s grace period."""
    process = start_server(tmp_path, OPENAI_REALTIME_URL=fake_ai.url, SHUTDOWN_GRACE_SECONDS="1")
    process.database_path = tmp_path / "server.sqlite3"
    yield process
    process.stop()
    print(process.process.stdout.read())  # shown by pytest when the test fails


def caller_for(server, **options) -> TwilioCaller:
    """A simulated Twilio calling the server process over the network, in real time."""
    return TwilioCaller(
        base_url=server.base_url,
        auth_token=settings.TWILIO_AUTH_TOKEN,
        account_sid=settings.TWILIO_ACCOUNT_SID,
        clock="real",
        **options,
    )


def post_new_call(server) -> int:
    """A signed voice webhook for a new call; returns the HTTP status."""
    params = {"CallSid": "CA" + "d" * 32, "AccountSid": settings.TWILIO_ACCOUNT_SID, "To": "+1"}
    url = server.base_url + "/twilio/voice"
    signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(url, params)
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(params).encode(),
        headers={"X-Twilio-Signature": signature},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def healthz(server) -> tuple[int, dict]:
    """Status and body of /healthz."""
    try:
        with urllib.request.urlopen(server.base_url + "/healthz", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


async def test_sigterm_drains_calls_then_exits(server, fake_ai):
    finishing = await caller_for(server).dial()
    # Twilio would post this call's final status through the load balancer to another process.
    lingering = await caller_for(server, status_callback_path=None).dial()
    await finishing.wait_for(lambda c: c.heard_ms > 0, timeout=10)
    await lingering.wait_for(lambda c: c.heard_ms > 0, timeout=10)
    server.process.send_signal(signal.SIGTERM)
    await lingering.send_silence(100)

    status, body = await asyncio.to_thread(healthz, server)
    assert status == 503 and body["draining"] is True
    assert await asyncio.to_thread(post_new_call, server) == 503

    done = await finishing.hang_up()  # finishes inside the grace period, as usual
    assert done.ended_by == "caller"

    result = await lingering.wait_until_ended(timeout=10)  # outlives the grace period
    assert result.ended_by == "server"
    assert any("죄송합니다" in verb[1] for verb in result.verbs if verb[0] == "Say")
    assert result.outcome == "transferred"

    exit_code = await asyncio.to_thread(server.process.wait, 15)
    assert exit_code == 0


def finalized_calls(database_path) -> dict[str, tuple[str, int]]:
    """call_sid -> (end reason, agent utterances) of every finalized call in a server's database."""
    with contextlib.closing(sqlite3.connect(database_path)) as database:
        return {
            sid: (reason, lines)
            for sid, reason, lines in database.execute(
                "SELECT c.call_sid, c.end_reason, count(u.id) FROM calls_call c"
                " LEFT JOIN calls_utterance u ON u.call_id = c.id AND u.speaker = 'agent'"
                " WHERE c.ended_at IS NOT NULL GROUP BY c.call_sid, c.end_reason"
            )
        }


async def test_records_still_queued_at_the_signal_are_written_before_exit(server, fake_ai):
    call = await caller_for(server, status_callback_path=None).dial()
    await call.wait_for(lambda c: c.heard_ms > 0, timeout=10)
    server.process.send_signal(signal.SIGTERM)
    await call.send_silence(100)
    await call.hang_up()  # the last call ends: the process exits right after its teardown

    exit_code = await asyncio.to_thread(server.process.wait, 15)
    assert exit_code == 0
    reason, agent_lines = finalized_calls(server.database_path)[call.call_sid]
    assert reason == "caller_hangup" and agent_lines >= 1
