"""The offline demo: its scripted Korean call (with a barge-in) and its staff account."""

import pytest
from channels.db import database_sync_to_async
from django.core.management import call_command

from calls.demo.conversation import DEMO_SCRIPT, place_demo_call
from calls.management.commands.run_demo import demo_env
from calls.models import Call
from tests.calls.conftest import drained, fake_ai, make_caller  # noqa: F401


@pytest.fixture
def realtime_script():
    """The fake model follows the demo's script."""
    return DEMO_SCRIPT


@pytest.mark.django_db(transaction=True)
async def test_a_demo_call_has_a_barge_in_and_the_agent_ends_it(
    fake_ai,  # noqa: F811
    make_caller,  # noqa: F811
    drained,  # noqa: F811
):
    call, result = await place_demo_call(make_caller(virtual_speed=10))
    assert result.ended_by == "server"
    await drained()
    row = await database_sync_to_async(Call.objects.get)(call_sid=call.call_sid)
    assert row.end_reason == "agent_hangup"
    assert row.interruptions >= 1
    lines = await database_sync_to_async(
        lambda: list(row.utterances.values_list("speaker", "interrupted", "text"))
    )()
    assert ("caller", False, "아, 잠깐만요. 주문번호는 2024-1234예요.") in lines
    assert any(speaker == "agent" and interrupted for speaker, interrupted, _ in lines)


def test_the_demo_server_gets_local_credentials_and_the_fake_url():
    env = demo_env("127.0.0.1", 8123, "ws://127.0.0.1:9999/v1/realtime")
    assert env["OPENAI_REALTIME_URL"] == "ws://127.0.0.1:9999/v1/realtime"
    assert env["TWILIO_STREAM_ENDPOINT"] == "ws://127.0.0.1:8123/twilio/stream"
    assert env["TWILIO_AUTH_TOKEN"] and env["OPENAI_API_KEY"].startswith("sk-demo")


@pytest.mark.django_db
def test_the_staff_account_command_prints_a_fresh_password_that_works(capsys, client):
    call_command("staff_account", "demo")
    password = capsys.readouterr().out.strip()
    assert len(password) >= 12
    assert client.login(username="demo", password=password)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="demo")
    assert user.is_staff and user.has_perm("calls.control_call") and not user.is_superuser
