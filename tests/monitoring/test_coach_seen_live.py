"""Every supervisor action shows on the timeline of everyone watching the call, at once."""

import pytest
from asgiref.sync import sync_to_async

from tests.monitoring.sockets import TIMEOUT, FakeHolder, open_monitor, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


async def next_timeline_event(socket) -> dict:
    """The next `call.event` this socket receives (status and other events are skipped)."""
    while True:
        message = await socket.receive_json_from(timeout=TIMEOUT)
        if message.get("type") == "call.event":
            return message


@pytest.mark.parametrize(
    ("action", "text"), [("coach", "환불 규정을 먼저 안내하세요"), ("transfer", "")]
)
async def test_a_second_supervisor_sees_the_action_live(action, text, make_call, controller):
    call = await sync_to_async(make_call)()
    async with FakeHolder(call.call_sid) as holder:
        watcher = await open_monitor(controller)
        await subscribe(watcher, "call", call.call_sid)
        actor = await open_monitor(controller)
        await actor.send_json_to({"action": action, "call_sid": call.call_sid, "text": text})
        assert (await actor.receive_json_from(timeout=TIMEOUT))["type"] == "action.sent"
        await holder.receive_control()
        event = await next_timeline_event(watcher)
    assert event["kind"] == f"supervisor_{action}"
    assert event["data"]["actor_name"] == "controller"
    assert event["data"].get("text", "") == text
    assert event["offset_ms"] is not None
    await watcher.disconnect()
    await actor.disconnect()
