"""The demo's own business API: order status and delivery date by order number (aiohttp).

`make demo` starts it on loopback so the agent's `lookup_order` tool reaches a real HTTP server:
GET /orders/<number> answers JSON, 404 for an unknown number. Order 2024 is looked up in a slow
back-office system (it answers after `slow_seconds`), and GET /slow/orders/<number> is always
slow: both show the filler sentence. Requests must carry the bearer token given at start (the
demo passes it to the tool as the ${DEMO_ORDERS_TOKEN} secret).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiohttp import web

SLOW_ORDERS = frozenset({"2024"})
ORDERS = {
    "1234": {"status": "배송 중", "delivery_date": "내일 오전", "item": "무선 이어폰"},
    "5678": {"status": "배송 완료", "delivery_date": "어제 오후", "item": "텀블러"},
    "2024": {"status": "상품 준비 중", "delivery_date": "모레", "item": "가습기"},
}


@dataclass
class BusinessApi:
    """A running order API; `requests` keeps what it was asked (path, headers), for tests."""

    token: str
    slow_seconds: float = 2.0
    orders: dict = field(default_factory=lambda: dict(ORDERS))
    requests: list = field(default_factory=list)
    runner: web.AppRunner | None = None
    port: int = 0

    def app(self) -> web.Application:
        """The routes."""
        app = web.Application()
        app.router.add_get("/orders/{number}", self.order)
        app.router.add_get("/slow/orders/{number}", self.slow_order)
        return app

    async def order(self, request: web.Request) -> web.Response:
        """One order's status and delivery date, or 404."""
        self.requests.append((request.path_qs, dict(request.headers)))
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"error": "unauthorized"}, status=401)
        number = request.match_info["number"]
        if number in SLOW_ORDERS and not request.path.startswith("/slow/"):
            await asyncio.sleep(self.slow_seconds)
        order = self.orders.get(number)
        if order is None:
            return web.json_response({"error": "주문을 찾을 수 없습니다."}, status=404)
        return web.json_response({"order_id": number, **order})

    async def slow_order(self, request: web.Request) -> web.Response:
        """The same answer, late."""
        await asyncio.sleep(self.slow_seconds)
        return await self.order(request)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve; returns the base URL."""
        self.runner = web.AppRunner(self.app(), handler_cancellation=True, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, host, port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return f"http://{host}:{self.port}"

    async def stop(self) -> None:
        """Stop serving."""
        if self.runner is not None:
            await self.runner.cleanup()
