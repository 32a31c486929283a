"""Key presses, the agent's tools and hang-ups end the call the right way, through TwiML."""

import asyncio

import pytest
from channels.db import database_sync_to_async

from calls.models import Call, CallEvent
from tests.calls.waiting import delivered, eventually

pytestmark = pytest.mark.django_db(transaction=True)


async def call_row(call_sid):
    """The call's row, read from the database."""
    return await database_sync_to_async(Call.objects.get)(call_sid=call_sid)


async def test_the_transfer_digit_sends_the_caller_to_a_human(fake_ai, make_caller, drained):
    call = await make_caller().dial()
    await fake_ai.next_session()
    await call.wait_for(lambda c: c.heard_ms > 0, timeout=10)
    await call.send_dtmf("0")
    result = await call.wait_until_ended(timeout=10)
    assert result.outcome == "transferred"
    assert result.transferred_to == "+8215880000"
    assert any(verb[0] == "Dial" for verb in result.verbs)
    await drained()
    row = await call_row(call.call_sid)
    assert row.end_reason == "transferred"
    digits = await database_sync_to_async(
        lambda: list(CallEvent.objects.filter(call=row, kind="dtmf").values_list("data", flat=True))
    )()
    assert digits == [{"digit": "0"}]


async def test_other_digits_reach_the_agent_as_text(fake_ai, make_caller, drained):
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await eventually(lambda: delivered(call, session))
    await call.wait_for(lambda c: c.buffered_ms == 0, timeout=10)
    await call.send_dtmf("1")
    item = await session.wait_for_client_event("conversation.item.create")
    assert item["item"]["role"] == "user"
    assert item["item"]["content"][0]["text"] == "1번을 누르셨습니다."
    await session.wait_for_client_event(
        lambda e: e.get("type") == "response.create" and "response" not in e
    )
    await call.hang_up()
    await drained()
    row = await call_row(call.call_sid)
    assert await database_sync_to_async(
        CallEvent.objects.filter(call=row, kind="dtmf", data={"digit": "1"}).exists
    )()


async def test_a_caller_hang_up_closes_the_ai_socket_and_leaves_no_task(
    fake_ai, make_caller, drained
):
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await call.wait_for(lambda c: c.heard_ms > 0, timeout=10)
    result = await call.hang_up()
    assert result.ended_by == "caller"
    await session.wait_closed(timeout=1.0)
    await eventually(
        lambda: not [t for t in asyncio.all_tasks() if t.get_name().startswith("bridge-")],
        within=1.0,
    )
    await drained()
    row = await call_row(call.call_sid)
    assert row.status == "completed"
    assert row.end_reason == "caller_hangup"
    assert row.ended_at is not None and row.duration_seconds is not None
    assert row.session_config["audio"]["input"]["format"] == {"type": "audio/pcmu"}
