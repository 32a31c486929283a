"""Through the real bridge: a supervisor watches a simulated call live and acts on it."""

import pytest
from channels.db import database_sync_to_async

from calls.models import Call, CallEvent
from tests.calls.conftest import drained, fake_ai, make_caller, realtime_script, responses_done  # noqa: F401
from tests.calls.waiting import delivered, eventually
from tests.monitoring.sockets import TIMEOUT, open_monitor, receive_until, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def in_memory_layer(settings):
    """One process here: the in-memory layer. Redis across processes: test_two_processes_redis."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def ended(message) -> bool:
    """The final status event of a call (the one that carries its end reason)."""
    return message.get("type") == "call.status" and message.get("status") == "ended"


async def test_the_call_page_streams_a_korean_turn_live_in_sequence(
    fake_ai,  # noqa: F811
    make_caller,  # noqa: F811
    drained,  # noqa: F811
    staff_user,
):
    wallboard = await open_monitor(staff_user)
    await subscribe(wallboard, "wallboard")
    call = await make_caller().dial()
    page = await open_monitor(staff_user)
    snapshot = await subscribe(page, "call", call.call_sid)
    assert snapshot["live"] is True
    session = await fake_ai.next_session()
    await eventually(lambda: delivered(call, session))
    await call.wait_for(lambda c: c.buffered_ms == 0, timeout=10)  # the greeting has played
    greeting = await receive_until(page, lambda m: m["type"] == "call.utterance")
    assert greeting[-1]["text"].startswith("안녕하세요, 고객센터 AI 상담원입니다.")

    await call.send_speech(800)
    await call.wait_for(lambda c: responses_done(session) >= 2, timeout=20)
    await eventually(lambda: delivered(call, session))
    await call.wait_for(lambda c: c.buffered_ms == 0, timeout=10)  # the answer has played
    turn = await receive_until(
        page, lambda m: m["type"] == "call.utterance" and m["speaker"] == "agent"
    )
    seqs = [m["seq"] for m in greeting + turn]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # in order, none missing
    said = [(m["speaker"], m["text"]) for m in turn if m["type"] == "call.utterance"]
    assert said[0] == ("caller", "배송 상태를 알고 싶어요.")
    assert said[-1][0] == "agent" and said[-1][1].startswith("네, 주문번호를 말씀해 주시겠어요?")
    states = [m["state"] for m in turn if m["type"] == "call.status"]
    assert "caller_speaking" in states and "agent_speaking" in states
    assert any(m["type"] == "call.transcript" for m in turn)
    assert {m["from_number"] for m in turn if m["type"] == "call.status"} == {"010-****-5678"}

    await call.hang_up()
    board = await receive_until(wallboard, ended)
    mine = [m for m in board if m.get("call_sid") == call.call_sid]
    assert [m["seq"] for m in mine] == sorted(m["seq"] for m in mine)
    assert mine[0]["state"] == "connecting" and mine[-1]["end_reason"] == "caller_hangup"
    await drained()
    await wallboard.disconnect()
    await page.disconnect()


async def test_coaching_reaches_the_model_as_a_system_message_the_caller_does_not_hear(
    fake_ai,  # noqa: F811
    make_caller,  # noqa: F811
    drained,  # noqa: F811
    controller,
):
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await call.wait_for(lambda c: c.heard_ms > 0, timeout=10)
    socket = await open_monitor(controller)
    await subscribe(socket, "call", call.call_sid)
    instruction = "고객에게 다음 주 할인 행사를 안내하세요."
    await socket.send_json_to({"action": "coach", "call_sid": call.call_sid, "text": instruction})
    await receive_until(socket, lambda m: m["type"] == "action.sent")
    item = await session.wait_for_client_event(
        lambda e: e.get("type") == "conversation.item.create" and e["item"].get("role") == "system"
    )
    assert item["item"]["content"][0]["text"] == instruction
    await call.hang_up()
    await drained()
    logged = await database_sync_to_async(
        lambda: list(
            CallEvent.objects.filter(
                call__call_sid=call.call_sid, kind="supervisor_coach"
            ).values_list("actor__username", "data__text")
        )
    )()
    assert logged == [("controller", instruction)]
    await socket.disconnect()


@pytest.mark.parametrize(
    "action,end_reason,outcome",
    [("hangup", "supervisor_hangup", "completed"), ("transfer", "transferred", "transferred")],
)
async def test_hang_up_and_transfer_end_the_call_through_the_bridge(
    fake_ai,  # noqa: F811
    make_caller,  # noqa: F811
    drained,  # noqa: F811
    controller,
    action,
    end_reason,
    outcome,
):
    call = await make_caller().dial()
    await fake_ai.next_session()
    await call.wait_for(lambda c: c.heard_ms > 0, timeout=10)
    socket = await open_monitor(controller)
    await subscribe(socket, "call", call.call_sid)
    await socket.send_json_to({"action": action, "call_sid": call.call_sid})
    result = await call.wait_until_ended(timeout=TIMEOUT * 3)
    assert result.outcome == outcome
    last = (await receive_until(socket, ended))[-1]
    assert last["end_reason"] == end_reason
    await drained()
    row = await database_sync_to_async(Call.objects.get)(call_sid=call.call_sid)
    assert row.end_reason == end_reason
    actors = await database_sync_to_async(
        lambda: list(row.events.filter(kind=f"supervisor_{action}").values_list("actor__username"))
    )()
    assert actors == [("controller",)]
    await socket.disconnect()
