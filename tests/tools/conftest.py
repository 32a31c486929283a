"""Fixtures for business tools: a real order API on loopback and a profile tool pointing at it."""

import asyncio
import json

import pytest
from aiohttp import web
from channels.db import database_sync_to_async

from calls.demo.business_api import BusinessApi
from calls.simulator.fake_realtime import AgentTurn, RealtimeScript, ToolCall
from prompts.tool_models import BusinessTool
from tests.calls.conftest import (  # noqa: F401  (shared fixtures)
    drained,
    fake_ai,
    make_caller,
    responses_done,
)

SECRET = "orders-secret-7f3a9c"
ORDER_SCHEMA = {
    "type": "object",
    "properties": {"order_id": {"type": "string", "pattern": "^[0-9]+$"}},
    "required": ["order_id"],
}


class TestApi(BusinessApi):
    """The demo's order API plus the misbehaviours the tests need."""

    __test__ = False

    def __init__(self):
        super().__init__(token=SECRET)
        self.release = asyncio.Event()
        self.cancelled = asyncio.Event()
        self.big_bytes = 64 * 1024

    def app(self) -> web.Application:
        app = super().app()
        app.router.add_get("/error/{number}", self.error)
        app.router.add_get("/text/{number}", self.text)
        app.router.add_get("/big/{number}", self.big)
        app.router.add_get("/held/{number}", self.held)
        app.router.add_get("/redirect/{number}", self.redirect)
        return app

    async def error(self, request):
        self.requests.append((request.path_qs, dict(request.headers)))
        return web.json_response({"error": "db down"}, status=500)

    async def text(self, request):
        self.requests.append((request.path_qs, dict(request.headers)))
        return web.Response(text="<html>not json</html>", content_type="text/html")

    async def big(self, request):
        self.requests.append((request.path_qs, dict(request.headers)))
        return web.json_response({"blob": "가" * self.big_bytes})

    async def held(self, request):
        """Answers only when the test releases it; records a cancellation."""
        self.requests.append((request.path_qs, dict(request.headers)))
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled.set()
            raise
        return await self.order(request)

    async def redirect(self, request):
        self.requests.append((request.path_qs, dict(request.headers)))
        target = f"http://localhost:{self.port}/orders/{request.match_info['number']}"
        raise web.HTTPFound(target)


@pytest.fixture
async def order_api():
    """A real HTTP server on 127.0.0.1 serving orders (and failures)."""
    api = TestApi()
    api.base_url = await api.start()
    yield api
    api.release.set()
    await api.stop()


@pytest.fixture
def tool_env(settings, monkeypatch):
    """Tools may call 127.0.0.1; the secret lives only in the environment."""
    settings.TOOL_ALLOWED_HOSTS = ["127.0.0.1"]
    monkeypatch.setenv("TEST_ORDERS_TOKEN", SECRET)


@pytest.fixture
def add_tool(default_profile, order_api, tool_env):
    """Save a lookup_order tool on the default profile, pointing at a path of the order API."""

    def create(path="/orders/{order_id}", **fields):
        values = {
            "profile": default_profile,
            "name": "lookup_order",
            "label": "배송 조회",
            "description": "고객이 주문 배송 상태를 물으면 주문번호로 조회합니다.",
            "parameters": ORDER_SCHEMA,
            "method": "GET",
            "url": order_api.base_url + path,
            "headers": {"Authorization": "Bearer ${TEST_ORDERS_TOKEN}"},
            "timeout_ms": 2000,
            "filler_delay_ms": 100,
        }
        values.update(fields)
        tool = BusinessTool(**values)
        tool.full_clean()
        tool.save()
        return tool

    return database_sync_to_async(create)


def order_script(arguments=None) -> RealtimeScript:
    """The caller asks about order 1234; the agent looks it up and quotes the API's answer."""
    call = ToolCall("lookup_order", arguments or {})
    if arguments is None:
        call = ToolCall("lookup_order", {}, arguments_from_caller={"order_id": r"(\d+)번"})
    return RealtimeScript(
        caller_lines=["주문번호는 1234번이에요.", "네, 감사합니다."],
        agent_turns=[
            AgentTurn("안녕하세요, 고객센터 AI 상담원입니다. 무엇을 도와드릴까요?"),
            AgentTurn("조회해 보겠습니다.", tool_call=call),
            AgentTurn("주문 {order_id}번은 {status}이고, 도착은 {delivery_date}입니다."),
            AgentTurn("죄송합니다. {error} 때문에 확인하지 못했습니다."),
        ],
    )


def function_outputs(session) -> list[dict]:
    """The tool results the fake model received, parsed."""
    return [
        json.loads(r.event["item"]["output"])
        for r in session.received
        if r.event
        and r.event.get("type") == "conversation.item.create"
        and r.event["item"].get("type") == "function_call_output"
    ]


def agent_texts(session) -> list[str]:
    """What the fake model said, turn by turn (its transcripts)."""
    return [
        r.event["transcript"]
        for r in session.sent
        if r.event.get("type") == "response.output_audio_transcript.done"
    ]
