"""The demo's business tool: `lookup_order` on the default profile, against the demo's order API."""

from __future__ import annotations

from django.conf import settings

from prompts.models import AgentProfile
from prompts.tool_models import BusinessTool

DEMO_TOKEN_ENV = "DEMO_ORDERS_TOKEN"
ORDER_SCHEMA = {
    "type": "object",
    "properties": {
        "order_id": {"type": "string", "pattern": "^[0-9]{4,12}$", "description": "주문번호"}
    },
    "required": ["order_id"],
}


def ensure_demo_tool(base_url: str) -> BusinessTool:
    """Create or point the default profile's lookup_order tool at the demo API (validated)."""
    profile = AgentProfile.objects.get(is_default=True)
    tool = BusinessTool.objects.filter(profile=profile, name="lookup_order").first()
    tool = tool or BusinessTool(profile=profile, name="lookup_order")
    tool.label = "배송 조회"
    tool.description = "고객이 주문의 배송 상태나 도착 예정일을 물으면 주문번호로 조회합니다."
    tool.parameters = ORDER_SCHEMA
    tool.method = "GET"
    tool.url = f"{base_url}/orders/{{order_id}}"
    tool.headers = {"Authorization": f"Bearer ${{{DEMO_TOKEN_ENV}}}"}
    tool.filler = "주문 내역을 확인하고 있습니다. 잠시만 기다려 주세요."
    tool.test_arguments = {"order_id": "1234"}
    tool.enabled = True
    previous = settings.TOOL_ALLOWED_HOSTS
    settings.TOOL_ALLOWED_HOSTS = ["127.0.0.1"]  # what the demo server runs with
    try:
        tool.full_clean()
    finally:
        settings.TOOL_ALLOWED_HOSTS = previous
    tool.save()
    return tool
