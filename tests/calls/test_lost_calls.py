"""A call whose process was killed is finalised as failed/server_lost, never live for ever."""

import contextlib
import signal
import socket
import sqlite3
import subprocess
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from calls.models import Call
from calls.monitoring.supervisor_actions import ActionRefused
from tests.calls.test_graceful_shutdown import caller_for
from tests.server_process import start_server

pytestmark = pytest.mark.django_db(transaction=True)

HOST = socket.gethostname()


def owner_of_a_dead_process() -> str:
    """The owner id a process had on this box, taken while it ran; it has exited since."""
    from calls.operations import lost_calls

    process = subprocess.Popen(["sleep", "30"])
    owner = f"{HOST}:{lost_calls.boot_id()}:{process.pid}:{lost_calls.start_ticks(process.pid)}"
    process.kill()
    process.wait()
    return owner


def live_call(sid_char: str, owner: str, seen_seconds_ago: float = 0) -> Call:
    """An in-progress call held by owner, last seen that long ago."""
    return Call.objects.create(
        call_sid="CA" + sid_char * 32,
        status="in_progress",
        owner=owner,
        owner_seen_at=timezone.now() - timedelta(seconds=seen_seconds_ago),
        started_at=timezone.now() - timedelta(minutes=5),
    )


def test_the_sweep_ends_calls_of_gone_processes_and_keeps_those_of_running_ones(settings):
    from calls.operations import lost_calls

    settings.CALL_OWNER_HEARTBEAT_SECONDS = 30
    this_box = f"{HOST}:{lost_calls.boot_id()}"
    pid_1 = f"{this_box}:1:{lost_calls.start_ticks(1)}"  # init: running, and not us
    kept = [
        live_call("a", lost_calls.this_process()),
        live_call("b", pid_1),
        live_call("c", "other-box:some-boot:4242:99", seen_seconds_ago=60),
    ]
    lost = [
        live_call("d", owner_of_a_dead_process()),
        live_call("e", f"{this_box}:1:not-init's-start"),  # pid reused by another process
        live_call("f", f"{HOST}:an-earlier-boot:77:12"),  # the box rebooted
        live_call("g", "other-box:some-boot:4242:99", seen_seconds_ago=91),  # heartbeat stale
    ]

    finalised = lost_calls.finalize_lost()

    assert sorted(c.call_sid for c in finalised) == sorted(c.call_sid for c in lost)
    for call in lost:
        call.refresh_from_db()
        assert (call.status, call.end_reason) == ("failed", "server_lost")
        assert call.ended_at is not None and call.duration_seconds >= 0
    for call in kept:
        call.refresh_from_db()
        assert (call.status, call.end_reason) == ("in_progress", "")


async def test_a_supervisor_action_on_a_call_whose_process_died_says_so(django_user_model):
    from channels.db import database_sync_to_async
    from channels.layers import get_channel_layer

    from calls.monitoring.live_events import WALLBOARD_GROUP, publisher
    from calls.monitoring.supervisor_actions import send_action

    def supervisor():
        user = django_user_model.objects.create_user("sv", password="pw-sv-1", is_staff=True)
        user.user_permissions.add(Permission.objects.get(codename="control_call"))
        return django_user_model.objects.get(pk=user.pk)  # permissions cache starts empty

    user = await database_sync_to_async(supervisor)()
    call = await database_sync_to_async(live_call)("h", owner_of_a_dead_process())
    layer = get_channel_layer()
    wallboard = await layer.new_channel()
    await layer.group_add(WALLBOARD_GROUP, wallboard)

    with pytest.raises(ActionRefused) as refused:
        await send_action(user, call.call_sid, "hangup")
    assert refused.value.code == "server_lost"
    await database_sync_to_async(call.refresh_from_db)()
    assert (call.status, call.end_reason) == ("failed", "server_lost")
    await publisher.flush()
    shown = (await layer.receive(wallboard))["event"]
    assert (shown["call_sid"], shown["status"], shown["end_reason"]) == (
        call.call_sid,
        "ended",
        "server_lost",
    )
    with pytest.raises(ActionRefused) as again:  # and later, once the call is finalised
        await send_action(user, call.call_sid, "hangup")
    assert again.value.code == "server_lost"


@pytest.mark.slow
async def test_a_call_left_by_a_killed_server_is_ended_as_server_lost_when_a_server_starts(
    tmp_path, fake_ai
):
    first = start_server(tmp_path, OPENAI_REALTIME_URL=fake_ai.url)
    try:
        call = await caller_for(first, status_callback_path=None).dial()
        await call.wait_for(lambda c: c.heard_ms > 0, timeout=10)
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(10)
    finally:
        first.stop()
    second = start_server(tmp_path, OPENAI_REALTIME_URL=fake_ai.url)  # same database
    try:
        with contextlib.closing(sqlite3.connect(tmp_path / "server.sqlite3")) as database:
            rows = database.execute("SELECT status, end_reason FROM calls_call").fetchall()
        assert rows == [("failed", "server_lost")]
    finally:
        second.stop()
