"""The agent's tools: end_call says goodbye, waits for it to play, then hangs up."""

import pytest
from channels.db import database_sync_to_async

from calls.models import Call, CallEvent
from calls.simulator.fake_realtime import AgentTurn, ToolCall
from tests.calls.conftest import script
from tests.calls.waiting import delivered, eventually

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def realtime_script():
    """The agent answers the caller's first turn with a goodbye and a tool call."""
    return script(
        agent_turns=[
            AgentTurn("안녕하세요, 무엇을 도와드릴까요?"),
            AgentTurn(
                "이용해 주셔서 감사합니다. 좋은 하루 보내세요.",
                tool_call=ToolCall("end_call", {"reason": "caller_done"}),
            ),
            AgentTurn("네, 상담원에게 연결해 드리겠습니다.", ToolCall("transfer_to_human")),
        ]
    )


async def speak_after_greeting(fake_ai, make_caller):
    """Dial, let the greeting play out, then say one line."""
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await eventually(lambda: delivered(call, session))
    await call.wait_for(lambda c: c.buffered_ms == 0, timeout=10)
    await call.send_speech(600)
    return call, session


async def test_end_call_hangs_up_after_the_goodbye_has_played(fake_ai, make_caller, drained):
    call, session = await speak_after_greeting(fake_ai, make_caller)
    result = await call.wait_until_ended(timeout=15)
    goodbye_ms = max(session.conversation.generated_ms.values())
    outputs = [
        r.event
        for r in session.received
        if r.event
        and r.event.get("type") == "conversation.item.create"
        and r.event["item"].get("type") == "function_call_output"
    ]
    assert len(outputs) == 1 and outputs[0]["item"]["output"]
    assert call.buffered_ms == 0
    # The whole goodbye was heard before the stream closed (one 20 ms frame of slack).
    assert call.heard_ms >= sum(session.conversation.generated_ms.values()) - 20
    assert goodbye_ms > 1000
    assert result.ended_by == "server"
    assert result.verbs and result.verbs[0][0] == "Hangup"
    await drained()
    row = await database_sync_to_async(Call.objects.get)(call_sid=call.call_sid)
    assert row.end_reason == "agent_hangup"
    assert row.status == "completed"
    assert await database_sync_to_async(
        CallEvent.objects.filter(call=row, kind="tool_call", data__name="end_call").exists
    )()
