"""Redis down mid-call: the call goes on, monitoring degrades and recovers by itself."""

import asyncio
import os
import shutil
import subprocess

import pytest
import redis.exceptions
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from arsproject.channel_layers import REDIS_BACKEND
from calls.models import Call
from calls.monitoring.live_events import WALLBOARD_GROUP, control_group, control_message, publisher
from tests.calls.waiting import delivered, eventually
from tests.server_process import free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]


async def retrying(action, within: float = 10.0):
    """Await action() until the restarted Redis answers it (a dead pooled connection fails once)."""
    async with asyncio.timeout(within):
        while True:
            try:
                return await action()
            # As listen_to_layer does: while channels_redis reconnects, a call may also meet
            # redis-py's reader race (RuntimeError from readuntil), not only a dead connection.
            except (OSError, RuntimeError, redis.exceptions.ConnectionError):
                await asyncio.sleep(0.1)  # backoff between attempts, not a wait for an event


class PrivateRedis:
    """A redis-server of the test's own, which the test may stop and start again."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.dir = tmp_path
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for line in self.process.stdout:  # wait for the server's own readiness line
            if "Ready to accept connections" in line:
                return
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture
def private_redis(tmp_path, settings):
    """Our own Redis as the channel layer (the shared one must not be stopped)."""
    if shutil.which("redis-server") is None:
        if os.environ.get("ARS_REQUIRE_REDIS") == "1":
            pytest.fail("redis-server is required in CI")
        pytest.skip("redis-server is not installed")
    redis = PrivateRedis(tmp_path)
    redis.start()
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": REDIS_BACKEND,
            "CONFIG": {"hosts": [redis.url]},
        }
    }
    yield redis
    if redis.process.poll() is None:
        redis.stop()


async def test_a_call_survives_redis_going_down_and_monitoring_recovers(
    private_redis, fake_ai, make_caller, async_client, drained
):
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await eventually(lambda: delivered(call, session))
    await call.wait_for(lambda c: c.buffered_ms == 0, timeout=10)

    private_redis.stop()
    failures_before = publisher.failures
    await call.send_speech(600)
    heard = call.heard_ms
    await call.wait_for(lambda c: c.heard_ms > heard + 500, timeout=10)  # the agent answers
    assert publisher.failures > failures_before  # monitoring noticed, the call did not
    response = await async_client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["channel_layer"]["ok"] is False

    private_redis.start()
    layer = get_channel_layer()
    # Like the consumers, the test's own first layer calls may meet a connection of the old
    # Redis that the layer has not yet noticed is gone; it retries as they do.
    watcher = await retrying(layer.new_channel)
    # Status events reach the wallboard group, watched or not.
    await retrying(lambda: layer.group_add(WALLBOARD_GROUP, watcher))
    await call.send_speech(600)
    await call.wait_for(lambda c: c.heard_ms > heard + 1500, timeout=10)
    message = await asyncio.wait_for(layer.receive(watcher), 10)
    assert message["type"] == "monitor.event"
    assert message["event"]["call_sid"] == call.call_sid

    # The media consumer rejoined its control group: a supervisor can hang up again.
    hangup = control_message("hangup", actor_id=None, actor_name="감독자")

    async def send_until_ended():
        # The consumer rejoins with backoff; repeat the action until the call ends.
        while not call.server_closed:
            await layer.group_send(control_group(call.call_sid), hangup)
            await call.send_silence(200)

    await asyncio.wait_for(send_until_ended(), 15)
    result = await call.wait_until_ended(timeout=10)
    assert result.verbs and result.verbs[0][0] == "Hangup"
    await drained()
    row = await database_sync_to_async(Call.objects.get)(call_sid=call.call_sid)
    assert row.end_reason == "supervisor_hangup"
