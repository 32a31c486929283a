"""Barge-in: the caller interrupts, Twilio's buffer is cleared, OpenAI's item is truncated."""

import pytest
from channels.db import database_sync_to_async

from calls.models import Call
from tests.calls.scenarios import first_agent_utterance, interrupt_the_greeting
from tests.calls.waiting import delivered, eventually

pytestmark = pytest.mark.django_db(transaction=True)


def sent_errors(session):
    """Error events the fake sent to the bridge."""
    return [r.event for r in session.sent if r.event.get("type") == "error"]


async def test_nothing_plays_after_clear(fake_ai, make_caller):
    call, session, _ = await interrupt_the_greeting(fake_ai, make_caller)
    cleared_at = call.clears[0]
    assert call.buffered_ms == 0
    await call.send_silence(300)  # the caller goes on talking/breathing; the agent stays quiet
    late = [chunk for at, chunk in call.heard if at >= cleared_at]
    assert late == []
    await call.hang_up()


async def test_the_truncate_is_within_what_was_generated(fake_ai, make_caller):
    call, session, heard_before = await interrupt_the_greeting(fake_ai, make_caller)
    truncate = await session.wait_for_client_event("conversation.item.truncate")
    item_id = truncate["item_id"]
    generated = session.conversation.generated_ms.get(item_id)
    assert truncate["content_index"] == 0
    assert 0 <= truncate["audio_end_ms"]
    assert item_id in session.conversation.truncations
    assert truncate["audio_end_ms"] == session.conversation.truncations[item_id]["audio_end_ms"]
    assert generated is None or truncate["audio_end_ms"] <= generated
    # Marks acknowledge what played: within one 100 ms chunk of what the caller heard.
    assert heard_before - 100 <= truncate["audio_end_ms"] <= call.heard_ms
    assert sent_errors(session) == []
    await call.hang_up()


async def test_the_interrupted_turn_keeps_generated_and_heard_text(fake_ai, make_caller, drained):
    call, session, _ = await interrupt_the_greeting(fake_ai, make_caller)
    await call.wait_for(lambda c: c.buffered_ms == 0, timeout=5)
    await call.hang_up()
    await drained()
    greeting = await first_agent_utterance(call.call_sid)
    assert greeting.interrupted is True
    assert greeting.text.startswith("안녕하세요, 고객센터 AI 상담원입니다.")
    assert greeting.heard_text
    assert greeting.text.startswith(greeting.heard_text)
    assert len(greeting.heard_text) < len(greeting.text)
    assert 0 < greeting.played_ms < greeting.generated_ms
    row = await database_sync_to_async(Call.objects.get)(call_sid=call.call_sid)
    assert row.interruptions == 1


async def test_no_clear_when_nothing_is_left_playing(fake_ai, make_caller):
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await eventually(lambda: delivered(call, session))  # the whole greeting reached Twilio
    await call.wait_for(lambda c: c.buffered_ms == 0, timeout=10)  # ... and played out
    await call.send_speech(400)
    await session.wait_for_client_event(lambda e: e.get("type") == "response.create", timeout=5)
    await call.wait_for(
        lambda c: any(
            r.event.get("type") == "input_audio_buffer.speech_stopped" for r in session.sent
        ),
        timeout=10,
    )
    assert call.clears == []
    assert not [r for r in session.received if r.event.get("type") == "conversation.item.truncate"]
    await call.hang_up()
