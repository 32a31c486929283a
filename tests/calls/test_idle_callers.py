"""Idle callers: the agent asks if the caller is still there, then says goodbye and hangs up."""

import pytest
from channels.db import database_sync_to_async

from calls.models import Call, CallEvent
from tests.calls.waiting import delivered, eventually

pytestmark = pytest.mark.django_db(transaction=True)

IDLE_TIMEOUT_MS = 5000


@pytest.fixture
def idle_timeout(default_profile):
    """The profile's VAD sets idle_timeout_ms, with the default two re-prompts."""

    def update():
        vad = default_profile.vad
        vad.idle_timeout_ms = IDLE_TIMEOUT_MS
        vad.save()

    return database_sync_to_async(update)


def timeouts(session) -> int:
    """How many idle timeouts the fake has fired."""
    return sum(r.event["type"] == "input_audio_buffer.timeout_triggered" for r in session.sent)


async def stay_silent_until(call, session, count: int) -> None:
    """Let the agent's audio play out, then say nothing until the n-th idle timeout."""
    while timeouts(session) < count:
        await call.wait_for(lambda c: c.buffered_ms == 0, timeout=10)
        await call.send_silence(1000)


async def test_silence_gets_two_reprompts_then_a_goodbye_and_a_hang_up(
    fake_ai, make_caller, idle_timeout, drained
):
    await idle_timeout()
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await eventually(lambda: delivered(call, session))
    await stay_silent_until(call, session, 2)
    assert session.conversation is not None
    assert not call.server_closed  # two silences are asked about, not hung up on
    await stay_silent_until(call, session, 3)
    goodbye = await session.wait_for_client_event(
        lambda e: (
            e.get("type") == "response.create"
            and "response" in e
            and "응답이 없어" in e["response"].get("instructions", "")
        )
    )
    assert goodbye
    result = await call.wait_until_ended(timeout=20)
    assert result.ended_by == "server"
    assert result.verbs and result.verbs[0][0] == "Hangup"
    assert call.buffered_ms == 0  # the goodbye played to the end
    await drained()
    row = await database_sync_to_async(Call.objects.get)(call_sid=call.call_sid)
    assert row.end_reason == "caller_idle"
    counts = await database_sync_to_async(
        lambda: list(
            CallEvent.objects.filter(call=row, kind="caller_idle")
            .order_by("id")
            .values_list("data__count", flat=True)
        )
    )()
    assert counts == [1, 2, 3]
