"""Only staff may open the monitor socket; everyone else is closed with code 4403."""

import pytest

from tests.monitoring.sockets import TIMEOUT, open_monitor, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


async def test_an_anonymous_visitor_is_closed_with_4403():
    socket = await open_monitor()
    closed = await socket.receive_output(timeout=TIMEOUT)
    assert closed["type"] == "websocket.close"
    assert closed["code"] == 4403


async def test_a_logged_in_user_who_is_not_staff_is_closed_with_4403(plain_user):
    socket = await open_monitor(plain_user)
    closed = await socket.receive_output(timeout=TIMEOUT)
    assert closed == {"type": "websocket.close", "code": 4403, "reason": ""} or (
        closed["type"] == "websocket.close" and closed["code"] == 4403
    )


async def test_a_staff_member_may_subscribe_to_the_wallboard(staff_user):
    socket = await open_monitor(staff_user)
    snapshot = await subscribe(socket, "wallboard")
    assert snapshot["target"] == "wallboard"
    await socket.disconnect()


async def test_a_socket_from_a_foreign_origin_is_refused(staff_user):
    from channels.testing import WebsocketCommunicator

    from arsproject.asgi import application

    socket = WebsocketCommunicator(
        application, "/ws/monitor/", headers=[(b"origin", b"http://evil.example")]
    )
    connected, _ = await socket.connect(timeout=TIMEOUT)
    assert not connected


async def test_an_unknown_message_gets_an_error_not_a_crash(staff_user):
    socket = await open_monitor(staff_user)
    await socket.send_json_to({"action": "dance"})
    assert (await socket.receive_json_from(timeout=TIMEOUT))["code"] == "unknown_action"
    await socket.send_json_to({"action": "subscribe", "target": "call", "call_sid": "../x"})
    assert (await socket.receive_json_from(timeout=TIMEOUT))["code"] == "bad_subscription"
    await socket.disconnect()
