"""OpenAI drops mid-call: the bridge reconnects, restores the session and the conversation."""

import base64

import pytest
from channels.db import database_sync_to_async

from calls.models import Call, CallEvent
from calls.simulator.caller_audio import SpeechSignal
from tests.calls.waiting import delivered, eventually

pytestmark = pytest.mark.django_db(transaction=True)


def appended_audio(session) -> bytes:
    """All caller audio a fake session received."""
    return b"".join(
        base64.b64decode(r.event["audio"])
        for r in session.received
        if r.event and r.event.get("type") == "input_audio_buffer.append"
    )


async def a_turn_then(fake_ai, make_caller, fault: str):
    """Greeting, one caller turn and its answer, then the fault on the first session."""
    call = await make_caller().dial()
    first = await fake_ai.next_session()
    await eventually(lambda: delivered(call, first))
    await call.wait_for(lambda c: c.buffered_ms == 0, timeout=10)
    await call.send_speech(600)
    await call.wait_for(
        lambda c: sum(r.event["type"] == "response.done" for r in first.sent) >= 2, timeout=10
    )
    await getattr(first, fault)()
    return call, first


@pytest.mark.parametrize("fault", ["drop", "expire"])
async def test_the_bridge_reconnects_and_restores_the_session(fake_ai, make_caller, fault):
    call, first = await a_turn_then(fake_ai, make_caller, fault)
    second = await fake_ai.next_session(timeout=5)
    update = await second.wait_for_client_event("session.update")
    first_update = next(r.event for r in first.received if r.event["type"] == "session.update")
    assert update["session"] == first_update["session"]
    history = []
    while len(history) < 3:
        item = await second.wait_for_client_event("conversation.item.create")
        history.append((item["item"]["role"], item["item"]["content"][0]["text"]))
    assert history[0] == ("assistant", "안녕하세요, 고객센터 AI 상담원입니다. 무엇을 도와드릴까요?")
    assert history[1] == ("user", "배송 상태를 알고 싶어요.")
    assert history[2][0] == "assistant"
    await call.hang_up()


async def test_caller_audio_during_the_gap_reaches_the_new_session(fake_ai, make_caller, drained):
    call, first = await a_turn_then(fake_ai, make_caller, "drop")
    spoken_in_gap = SpeechSignal(seed=3).next(200)
    await call.send_audio(spoken_in_gap)
    second = await fake_ai.next_session(timeout=5)
    await call.wait_for(lambda c: spoken_in_gap in appended_audio(second), timeout=10)
    assert spoken_in_gap not in appended_audio(first)
    await call.send_speech(600)
    heard_before = call.heard_ms
    await call.wait_for(lambda c: c.heard_ms > heard_before + 500, timeout=10)  # carries on
    await call.hang_up()
    await drained()
    row = await database_sync_to_async(Call.objects.get)(call_sid=call.call_sid)
    assert row.status == "completed"
    event = await database_sync_to_async(
        lambda: CallEvent.objects.get(call=row, kind="reconnect")
    )()
    assert event.data["attempt"] == 1
    assert event.data["gap_ms"] < 1000  # the caller hears at most a second of silence


async def test_when_every_retry_fails_the_call_ends_with_the_apology(
    fake_ai, make_caller, settings, drained
):
    settings.MAX_RETRY_COUNT = 2
    call = await make_caller().dial()
    first = await fake_ai.next_session()
    await call.wait_for(lambda c: c.heard_ms > 0, timeout=10)
    await fake_ai.stop()  # OpenAI is gone: the socket closes and reconnects are refused
    result = await call.wait_until_ended(timeout=10)
    assert any("죄송합니다" in verb[1] for verb in result.verbs if verb[0] == "Say")
    assert first.closed
    await drained()
    row = await database_sync_to_async(Call.objects.get)(call_sid=call.call_sid)
    assert row.end_reason == "ai_unavailable"
