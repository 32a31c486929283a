"""The post-call summary: asked out of band, text only, validated, bounded after the hang-up."""

import json

import pytest
from channels.db import database_sync_to_async

from calls.live import post_call_summary
from calls.models import Call, CallEvent
from calls.simulator.fake_realtime import AgentTurn
from tests.calls.conftest import script
from tests.calls.waiting import delivered, eventually

pytestmark = pytest.mark.django_db(transaction=True)

ANSWER = {
    "summary": "고객이 주문 1234번의 배송 상태를 문의했습니다. 내일 오전 도착 예정입니다.",
    "category": "배송",
    "resolved": True,
    "sentiment": "중립",
}


def summary_script(answer: str):
    """The delivery conversation; out-of-band responses answer `answer`."""
    scripted = script()
    scripted.out_of_band_turns = [AgentTurn(answer)]
    return scripted


@pytest.fixture
def realtime_script():
    return summary_script(json.dumps(ANSWER, ensure_ascii=False))


async def one_turn_then_hang_up(fake_ai, make_caller, drained):
    """Greeting, one caller line and its answer, then the caller hangs up; the stored call."""
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await eventually(lambda: delivered(call, session))
    await call.wait_for(lambda c: c.buffered_ms == 0, timeout=10)
    await call.send_speech(600)
    await call.wait_for(
        lambda c: (
            sum(r.event["type"] == "response.done" for r in session.sent) >= 2
            and c.buffered_ms == 0
        ),
        timeout=10,
    )
    heard = call.heard_ms
    await call.hang_up()
    await drained()
    assert call.heard_ms == heard  # nothing reached the caller after the hang-up
    row = await database_sync_to_async(Call.objects.get)(call_sid=call.call_sid)
    return row, session


def summary_requests(session) -> list[dict]:
    """The out-of-band response.create events the fake received."""
    return [
        r.event["response"]
        for r in session.received
        if r.event
        and r.event.get("type") == "response.create"
        and (r.event.get("response") or {}).get("conversation") == "none"
    ]


async def test_a_hang_up_gets_a_validated_summary_from_a_text_only_out_of_band_response(
    fake_ai, make_caller, drained
):
    row, session = await one_turn_then_hang_up(fake_ai, make_caller, drained)
    (request,) = summary_requests(session)
    assert request["output_modalities"] == ["text"]
    assert "input" not in request  # it reads the conversation so far
    assert "배송" in request["instructions"] and "JSON" in request["instructions"]
    audio = [r for r in session.sent if r.event["type"] == "response.output_audio.delta"]
    summary_response = [r for r in session.sent if r.event["type"] == "response.done"][-1]
    assert summary_response.event["response"]["metadata"] == {"purpose": "post_call_summary"}
    assert all(r.event["response_id"] != summary_response.event["response"]["id"] for r in audio)
    assert (row.summary, row.category, row.resolved, row.sentiment) == (
        ANSWER["summary"],
        "배송",
        True,
        "중립",
    )


class TestAnInvalidAnswer:
    @pytest.fixture
    def realtime_script(self):
        return summary_script('{"summary": "요약", "category": "날씨", "resolved": true}')

    async def test_it_gets_no_summary_and_an_event_saying_why(self, fake_ai, make_caller, drained):
        row, _ = await one_turn_then_hang_up(fake_ai, make_caller, drained)
        assert row.summary == "요약 없음"
        assert row.category == ""
        reasons = await database_sync_to_async(
            lambda: list(
                CallEvent.objects.filter(call=row, kind="summary_failed").values_list(
                    "data", flat=True
                )
            )
        )()
        assert len(reasons) == 1 and "sentiment" in json.dumps(reasons[0], ensure_ascii=False)


async def test_a_summary_that_does_not_come_in_time_is_given_up(
    fake_ai, make_caller, drained, monkeypatch
):
    monkeypatch.setattr(post_call_summary, "SUMMARY_BOUND_S", 0.3)
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await eventually(lambda: delivered(call, session))
    await call.wait_for(lambda c: c.buffered_ms == 0, timeout=10)
    session.delay_events(5000)  # the model is slow from now on
    await call.hang_up()
    await drained()
    row = await database_sync_to_async(Call.objects.get)(call_sid=call.call_sid)
    assert row.summary == "요약 없음"
    event = await database_sync_to_async(
        lambda: CallEvent.objects.get(call=row, kind="summary_failed")
    )()
    assert "0.3 s" in json.dumps(event.data, ensure_ascii=False)
