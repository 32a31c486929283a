"""Hang up, transfer and coach reach the process holding the call and are logged by name."""

import pytest
from asgiref.sync import sync_to_async

from calls.models import CallEvent
from tests.monitoring.sockets import TIMEOUT, FakeHolder, open_monitor

pytestmark = pytest.mark.django_db(transaction=True)


async def act(socket, action, call_sid, text=""):
    """Send an action and return the server's answer to it."""
    await socket.send_json_to({"action": action, "call_sid": call_sid, "text": text})
    return await socket.receive_json_from(timeout=TIMEOUT)


def logged_actions(call):
    """(kind, actor username, data) of the call's logged events."""
    return [
        (e.kind, e.actor.username if e.actor else None, e.data)
        for e in CallEvent.objects.filter(call=call).select_related("actor")
    ]


@pytest.mark.parametrize("action", ["hangup", "transfer"])
async def test_hangup_and_transfer_reach_the_holder_and_name_the_supervisor(
    action, make_call, controller
):
    call = await sync_to_async(make_call)()
    async with FakeHolder(call.call_sid) as holder:
        socket = await open_monitor(controller)
        answer = await act(socket, action, call.call_sid)
        assert answer == {"type": "action.sent", "action": action, "call_sid": call.call_sid}
        control = await holder.receive_control()
    assert control == {
        "type": "call.control",
        "action": action,
        "text": "",
        "actor_id": controller.pk,
        "actor_name": "controller",
    }
    assert await sync_to_async(logged_actions)(call) == [
        (f"supervisor_{action}", "controller", {"action": action, "actor_name": "controller"})
    ]
    await socket.disconnect()


async def test_a_coach_instruction_carries_its_text_to_the_holder(make_call, controller):
    call = await sync_to_async(make_call)()
    async with FakeHolder(call.call_sid) as holder:
        socket = await open_monitor(controller)
        await act(socket, "coach", call.call_sid, "  환불 규정을 먼저 안내하세요  ")
        control = await holder.receive_control()
    instruction = "환불 규정을 먼저 안내하세요"
    assert (control["action"], control["text"]) == ("coach", instruction)
    [(kind, actor, data)] = await sync_to_async(logged_actions)(call)
    assert (kind, actor, data["text"]) == ("supervisor_coach", "controller", instruction)
    await socket.disconnect()


async def test_staff_without_the_control_right_are_refused(make_call, staff_user):
    call = await sync_to_async(make_call)()
    async with FakeHolder(call.call_sid) as holder:
        socket = await open_monitor(staff_user)
        answer = await act(socket, "hangup", call.call_sid)
        assert (answer["type"], answer["code"]) == ("error", "forbidden")
        await holder.assert_nothing_sent()
    assert await sync_to_async(logged_actions)(call) == []
    await socket.disconnect()


async def test_a_superuser_may_act_without_an_explicit_permission(make_call, superuser):
    call = await sync_to_async(make_call)()
    async with FakeHolder(call.call_sid) as holder:
        socket = await open_monitor(superuser)
        assert (await act(socket, "transfer", call.call_sid))["type"] == "action.sent"
        assert (await holder.receive_control())["actor_name"] == "admin"
    await socket.disconnect()


async def test_an_ended_call_cannot_be_controlled(make_call, controller):
    call = await sync_to_async(make_call)(status="completed", end_reason="caller_hangup")
    async with FakeHolder(call.call_sid) as holder:
        socket = await open_monitor(controller)
        assert (await act(socket, "hangup", call.call_sid))["code"] == "call_ended"
        await holder.assert_nothing_sent()
    await socket.disconnect()


async def test_an_empty_coach_instruction_is_refused(make_call, controller):
    call = await sync_to_async(make_call)()
    socket = await open_monitor(controller)
    assert (await act(socket, "coach", call.call_sid, "   "))["code"] == "empty_text"
    assert (await act(socket, "coach", call.call_sid, "가" * 2001))["code"] == "text_too_long"
    await socket.disconnect()


async def test_an_unknown_call_is_refused(controller):
    socket = await open_monitor(controller)
    assert (await act(socket, "hangup", "CA" + "f" * 32))["code"] == "no_such_call"
    await socket.disconnect()
