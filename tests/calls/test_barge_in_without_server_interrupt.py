"""Barge-in with `interrupt_response` off: the bridge clears, truncates and cancels by itself."""

import pytest
from channels.db import database_sync_to_async

from calls.simulator.fake_realtime import FakeRealtimeServer
from tests.calls.waiting import eventually

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def fake_ai(settings, realtime_script):
    """A fake that streams its audio in real time, so the caller can cut in mid-response."""
    server = FakeRealtimeServer(api_key=settings.OPENAI_API_KEY, script=realtime_script, speed=1.0)
    async with server:
        settings.OPENAI_REALTIME_URL = server.url
        yield server


@pytest.fixture
def no_server_interrupt(default_profile):
    """Staff chose interrupt_response=false in the profile's VAD settings."""

    def update():
        vad = default_profile.vad
        vad.interrupt_response = False
        vad.save()

    return database_sync_to_async(update)


def client_events(session, kind: str) -> list[dict]:
    """Client events of one type the fake received, in order."""
    return [r.event for r in session.received if r.event and r.event.get("type") == kind]


def sent_events(session, kind: str) -> list[dict]:
    """Server events of one type the fake sent, in order."""
    return [r.event for r in session.sent if r.event.get("type") == kind]


async def test_the_bridge_clears_truncates_and_cancels_a_response_still_streaming(
    fake_ai, make_caller, no_server_interrupt
):
    await no_server_interrupt()
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    update = await session.wait_for_client_event("session.update")
    assert update["session"]["audio"]["input"]["turn_detection"]["interrupt_response"] is False
    await eventually(lambda: call.buffered_ms >= 300)  # the greeting is still streaming
    assert sent_events(session, "response.done") == []
    await call.send_speech(400)
    await call.wait_for(lambda c: len(c.clears) == 1, timeout=10)
    cancel = await session.wait_for_client_event("response.cancel")
    (created,) = sent_events(session, "response.created")
    assert cancel["response_id"] == created["response"]["id"]
    (truncate,) = client_events(session, "conversation.item.truncate")
    assert truncate["item_id"] in session.conversation.truncations  # accepted mid-response
    await eventually(lambda: sent_events(session, "response.done"))
    assert sent_events(session, "response.done")[0]["response"]["status"] == "cancelled"
    assert sent_events(session, "error") == []
    cleared_at = call.clears[0]
    await call.send_silence(500)
    assert [chunk for at, chunk in call.heard if at >= cleared_at] == []
    await call.hang_up()
