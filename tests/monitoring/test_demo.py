"""The offline demo: its scripted Korean call (with a barge-in) and its staff account."""

import pytest
from channels.db import database_sync_to_async
from django.core.management import call_command

from calls.demo.business_api import BusinessApi
from calls.demo.conversation import demo_script, place_demo_call
from calls.demo.tools import DEMO_TOKEN_ENV, ensure_demo_tool
from calls.management.commands.run_demo import demo_env
from calls.models import Call
from tests.calls.conftest import drained, fake_ai, make_caller  # noqa: F401


@pytest.fixture
def realtime_script():
    """The fake model follows the demo's script; the caller asks about order 1234."""
    return demo_script(order="1234")


@pytest.fixture
async def order_api(settings, monkeypatch):
    """The demo's order API on loopback, and the demo's lookup_order tool pointing at it."""
    api = BusinessApi(token="demo-orders-token")
    url = await api.start()
    monkeypatch.setenv(DEMO_TOKEN_ENV, api.token)
    settings.TOOL_ALLOWED_HOSTS = ["127.0.0.1"]
    await database_sync_to_async(ensure_demo_tool)(url)
    yield api
    await api.stop()


@pytest.mark.django_db(transaction=True)
async def test_a_demo_call_has_a_barge_in_a_real_lookup_and_the_agent_ends_it(
    fake_ai,  # noqa: F811
    make_caller,  # noqa: F811
    drained,  # noqa: F811
    order_api,
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
    assert ("caller", False, "아, 잠깐만요. 주문번호는 1234번이에요.") in lines
    assert any(speaker == "agent" and interrupted for speaker, interrupted, _ in lines)
    assert [path for path, _ in order_api.requests] == ["/orders/1234"]
    answer = (
        "주문번호 1234번 무선 이어폰 상품은 현재 배송 중 상태이고, 도착 예정은 내일 오전입니다."
    )
    assert any(text.startswith(answer) for speaker, _, text in lines if speaker == "agent")


def test_the_demo_server_gets_local_credentials_and_the_fake_url():
    env = demo_env("127.0.0.1", 8123, "ws://127.0.0.1:9999/v1/realtime", "orders-token")
    assert env["OPENAI_REALTIME_URL"] == "ws://127.0.0.1:9999/v1/realtime"
    assert env["TWILIO_STREAM_ENDPOINT"] == "ws://127.0.0.1:8123/twilio/stream"
    assert env["TWILIO_AUTH_TOKEN"] and env["OPENAI_API_KEY"].startswith("sk-demo")
    assert env["TOOL_ALLOWED_HOSTS"] == "127.0.0.1" and env[DEMO_TOKEN_ENV] == "orders-token"


@pytest.mark.django_db
def test_the_staff_account_command_prints_a_fresh_password_that_works(capsys, client):
    call_command("staff_account", "demo")
    password = capsys.readouterr().out.strip()
    assert len(password) >= 12
    assert client.login(username="demo", password=password)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="demo")
    assert user.is_staff and user.has_perm("calls.control_call") and not user.is_superuser
