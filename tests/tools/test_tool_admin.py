"""Staff build tools in the admin: invalid schemas and hosts are refused in Korean; trying works."""

import html

import pytest
from django.urls import reverse

from prompts.tool_models import BusinessTool
from tests.tools.conftest import SECRET

pytestmark = pytest.mark.django_db(transaction=True)


def tool_form(profile, **overrides) -> dict:
    """The add-tool form as a browser posts it."""
    data = {
        "profile": str(profile.pk),
        "name": "lookup_order",
        "label": "배송 조회",
        "description": "주문번호로 배송 상태를 조회합니다.",
        "enabled": "on",
        "method": "GET",
        "url": "http://127.0.0.1:9/orders/{order_id}",
        "headers": '{"Authorization": "Bearer ${TEST_ORDERS_TOKEN}"}',
        "parameters": '{"type": "object", "properties": {"order_id": {"type": "string"}}}',
        "timeout_ms": "3000",
        "filler": "",
        "filler_delay_ms": "700",
        "max_response_bytes": "16384",
        "test_arguments": '{"order_id": "1234"}',
    }
    data.update(overrides)
    return data


@pytest.fixture
def admin_client(client, superuser, tool_env):
    client.force_login(superuser)
    return client


def save(admin_client, profile, **overrides):
    """Post the add form; the response."""
    return admin_client.post(
        reverse("admin:prompts_businesstool_add"), tool_form(profile, **overrides)
    )


def test_a_valid_tool_is_saved(admin_client, default_profile):
    response = save(admin_client, default_profile)
    assert response.status_code == 302
    assert BusinessTool.objects.get().name == "lookup_order"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"parameters": '{"type": "object", "properties": 3}'}, "올바른 JSON Schema가 아닙니다"),
        ({"parameters": '{"type": "array"}'}, '"type"은 "object"여야 합니다'),
        ({"url": "https://evil.example.com/{order_id}"}, "허용된 호스트가 아닙니다"),
        ({"url": "http://127.0.0.1:9/orders/{number}"}, "매개변수 스키마에 없습니다"),
        ({"name": "end_call"}, "기본 도구 이름"),
        ({"name": "Lookup-Order"}, "영문 소문자로 시작"),
        ({"headers": '{"Authorization": "Bearer sk-live-123"}'}, "비밀 값을 직접 넣을 수 없습니다"),
        ({"timeout_ms": "20000"}, "1–10000ms"),
    ],
)
def test_an_invalid_tool_is_refused_with_a_korean_message(
    admin_client, default_profile, overrides, message
):
    response = save(admin_client, default_profile, **overrides)
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert not BusinessTool.objects.exists()


def test_production_requires_https(admin_client, default_profile, settings):
    settings.IS_PRODUCTION = True
    response = save(admin_client, default_profile)
    assert "https:// 주소만" in response.content.decode()


async def test_trying_a_tool_shows_status_latency_and_body(
    async_client, superuser, default_profile, order_api, add_tool
):
    tool = await add_tool(test_arguments={"order_id": "1234"})
    await async_client.aforce_login(superuser)
    response = await async_client.post(
        reverse("admin:prompts_businesstool_changelist"),
        {"action": "try_selected", "_selected_action": [str(tool.pk)]},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert '<strong class="tool-status">200</strong>' in page
    assert " ms</span>" in page
    assert "배송 중" in page
    assert SECRET not in page
    assert order_api.requests[0][0] == "/orders/1234"


def test_the_profile_page_lists_its_tools(admin_client, default_profile):
    save(admin_client, default_profile)
    page = admin_client.get(
        reverse("admin:prompts_agentprofile_change", args=[default_profile.pk])
    ).content.decode()
    assert "배송 조회" in page and "lookup_order" in page
