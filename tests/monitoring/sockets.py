"""Helpers to open the real monitor socket as a given user and to play the call's holder."""

from __future__ import annotations

import asyncio

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from arsproject.asgi import application
from calls.monitoring.live_events import control_group

TIMEOUT = 3


def session_cookie(user) -> bytes:
    """A session cookie header value for this user."""
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


async def open_monitor(user=None) -> WebsocketCommunicator:
    """Connect to /ws/monitor/ through the real ASGI stack, logged in as user (or anonymous)."""
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if user is not None:
        headers.append((b"cookie", await database_sync_to_async(session_cookie)(user)))
    socket = WebsocketCommunicator(application, "/ws/monitor/", headers=headers)
    connected, _ = await socket.connect(timeout=TIMEOUT)
    assert connected
    return socket


async def subscribe(socket: WebsocketCommunicator, target: str, call_sid: str = "") -> dict:
    """Subscribe and return the snapshot."""
    await socket.send_json_to({"action": "subscribe", "target": target, "call_sid": call_sid})
    snapshot = await socket.receive_json_from(timeout=TIMEOUT)
    assert snapshot["type"] == "snapshot", snapshot
    return snapshot


class FakeHolder:
    """Plays the process holding a call: joins its control group and reads what arrives."""

    def __init__(self, call_sid: str):
        self.call_sid = call_sid
        self.layer = get_channel_layer()

    async def __aenter__(self) -> FakeHolder:
        self.channel = await self.layer.new_channel()
        await self.layer.group_add(control_group(self.call_sid), self.channel)
        return self

    async def __aexit__(self, *exc):
        await self.layer.group_discard(control_group(self.call_sid), self.channel)

    async def receive(self) -> dict:
        """The next message sent to the call's holder."""
        return await asyncio.wait_for(self.layer.receive(self.channel), TIMEOUT)

    async def receive_control(self) -> dict:
        """The next supervisor action, skipping live-state requests."""
        while True:
            message = await self.receive()
            if message["type"] == "call.control":
                return message

    async def received(self) -> list[dict]:
        """Every message the holder got so far (a marker sent now closes the list)."""
        return await received_before_marker(self.layer, control_group(self.call_sid), self.channel)

    async def assert_nothing_sent(self):
        """Prove no action reached the holder (leases may have: they are not actions)."""
        assert [m for m in await self.received() if m["type"] == "call.control"] == []


async def received_before_marker(layer, group: str, channel: str) -> list[dict]:
    """Everything the channel got from the group before a marker sent to the group now."""
    marker = {"type": "test.marker"}
    await layer.group_send(group, marker)
    messages = []
    while (message := await asyncio.wait_for(layer.receive(channel), TIMEOUT)) != marker:
        messages.append(message)
    return messages


async def receive_until(socket, predicate, within=10.0) -> list[dict]:
    """Every message the socket receives up to and including the first matching predicate."""
    received = []
    try:
        async with asyncio.timeout(within):
            while not received or not predicate(received[-1]):
                received.append(await socket.receive_json_from(timeout=within))
    except TimeoutError as error:
        raise AssertionError(f"no matching message after {received}") from error
    return received
