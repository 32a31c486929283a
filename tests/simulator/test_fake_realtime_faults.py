"""Faults on demand: drops, expiry, latency, malformed frames and the session lifetime (§8)."""

import asyncio
import json
import time

from calls.simulator.fake_realtime import FakeRealtimeServer

from .conftest import API_KEY


async def test_drop_cuts_the_socket_without_a_close_handshake(server, client):
    session = await server.next_session()
    await session.drop()
    assert await client.close_code() == 1006  # abnormal closure: no close frame arrived
    await session.wait_closed()


async def test_expire_sends_session_expired_then_closes_1001(server, client):
    session = await server.next_session()
    await session.expire()
    error = await client.next_of("error")
    message = "Your session hit the maximum duration of 60 minutes."
    assert error["error"]["code"] == "session_expired"
    assert error["error"]["type"] == "invalid_request_error"
    assert error["error"]["message"] == message
    assert await client.close_code() == 1001
    assert client.websocket.close_reason == message


async def test_a_session_expires_by_itself_after_its_maximum_lifetime(connect_client):
    async with FakeRealtimeServer(api_key=API_KEY, session_max_seconds=0.2) as fake:
        client = await connect_client(fake)
        created = await client.next_of("session.created")
        error = await client.next_of("error")
        assert error["error"]["code"] == "session_expired"
        assert await client.close_code() == 1001
        assert created["session"]["expires_at"] <= time.time() + 1


async def test_delayed_events_arrive_late(server, client):
    session = await server.next_session()
    session.delay_events(80)
    sent_at = time.monotonic()
    await client.send({"type": "input_audio_buffer.clear"})
    await client.next_of("input_audio_buffer.cleared")
    assert time.monotonic() - sent_at >= 0.08
    session.delay_events(0)


async def test_send_raw_delivers_a_malformed_frame(server, client):
    session = await server.next_session()
    await session.send_raw("{not json")
    async with asyncio.timeout(5):
        frame = await client.websocket.recv()
    assert frame == "{not json"
    await client.send({"type": "input_audio_buffer.clear"})
    assert json.loads(await client.websocket.recv())["type"] == "input_audio_buffer.cleared"


async def test_wait_for_client_event_returns_each_matching_event_once(server, client):
    session = await server.next_session()
    await client.send({"type": "session.update", "session": {"type": "realtime"}})
    await client.send({"type": "session.update", "session": {"type": "realtime", "tools": []}})
    first = await session.wait_for_client_event("session.update")
    second = await session.wait_for_client_event("session.update")
    assert first["session"] == {"type": "realtime"}
    assert second["session"] == {"type": "realtime", "tools": []}
