"""A supervisor gets a snapshot, then live events in order with their sequence numbers."""

import pytest
from asgiref.sync import sync_to_async

from calls.live.media_stream import MediaStreamConsumer
from calls.models import Speaker, Utterance
from calls.monitoring import live_events as events
from calls.monitoring.live_events import (
    WATCH_LEASE_SECONDS,
    CallState,
    CallStatusEvent,
    TimelineEvent,
    TranscriptDeltaEvent,
    TurnMetricsEvent,
    UtteranceEvent,
)
from tests.monitoring.sockets import TIMEOUT, FakeHolder, open_monitor, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


async def publish_all(*published):
    """Publish events the way the bridge does and wait until the layer has them."""
    for event in published:
        events.publish(event)
    await events.publisher.flush()


async def test_the_wallboard_snapshot_lists_live_calls_with_masked_numbers(make_call, staff_user):
    live = await sync_to_async(make_call)()
    await sync_to_async(make_call)(status="completed", end_reason="caller_hangup")
    socket = await open_monitor(staff_user)
    snapshot = await subscribe(socket, "wallboard")
    assert [row["call_sid"] for row in snapshot["calls"]] == [live.call_sid]
    assert snapshot["calls"][0]["from_number"] == "010-****-5678"
    assert snapshot["calls"][0]["state"] == CallState.IDLE
    assert snapshot["totals"]["calls"] == 2
    await socket.disconnect()


async def test_a_superuser_sees_the_full_number(make_call, superuser):
    await sync_to_async(make_call)()
    socket = await open_monitor(superuser)
    snapshot = await subscribe(socket, "wallboard")
    assert snapshot["calls"][0]["from_number"] == "+821012345678"
    await socket.disconnect()


async def test_wallboard_status_events_follow_the_snapshot_in_order(make_call, staff_user):
    call = await sync_to_async(make_call)()
    socket = await open_monitor(staff_user)
    await subscribe(socket, "wallboard")
    states = [CallState.CALLER_SPEAKING, CallState.AGENT_SPEAKING, CallState.ENDED]
    await publish_all(
        *(
            CallStatusEvent(call.call_sid, seq, state=state, from_number="+821012345678")
            for seq, state in enumerate(states, start=1)
        ),
        TranscriptDeltaEvent(call.call_sid, 4, text="wallboard never sees this"),
    )
    received = [await socket.receive_json_from(timeout=TIMEOUT) for _ in states]
    assert [(m["seq"], m["state"]) for m in received] == list(enumerate(states, start=1))
    assert {m["from_number"] for m in received} == {"010-****-5678"}
    assert await socket.receive_nothing(timeout=0.05)
    await socket.disconnect()


async def test_a_call_page_gets_the_stored_transcript_then_every_live_event(make_call, staff_user):
    call = await sync_to_async(make_call)()
    await sync_to_async(Utterance.objects.create)(
        call=call, speaker=Speaker.AGENT, text="안녕하세요, 무엇을 도와드릴까요?", item_id="item_1"
    )
    socket = await open_monitor(staff_user)
    snapshot = await subscribe(socket, "call", call.call_sid)
    assert snapshot["live"] is True
    assert [u["text"] for u in snapshot["utterances"]] == ["안녕하세요, 무엇을 도와드릴까요?"]
    assert snapshot["settings"]["vad"] == {"type": "server_vad"}

    sid = call.call_sid
    await publish_all(
        CallStatusEvent(sid, 7, state=CallState.CALLER_SPEAKING),
        TranscriptDeltaEvent(sid, 8, speaker="caller", item_id="item_2", text="배송"),
        UtteranceEvent(sid, 9, speaker="caller", item_id="item_2", text="배송 조회요"),
        TranscriptDeltaEvent(sid, 10, speaker="agent", item_id="item_3", text="주문"),
        UtteranceEvent(
            sid,
            11,
            item_id="item_3",
            text="주문번호를 알려주세요",
            heard_text="주문",
            interrupted=1,
        ),
        TurnMetricsEvent(sid, 12, item_id="item_3", first_audio_from_ai_ms=420),
        TimelineEvent(sid, 13, kind="dtmf", data={"digit": "1"}),
    )
    received = [await socket.receive_json_from(timeout=TIMEOUT) for _ in range(7)]
    assert [m["seq"] for m in received] == list(range(7, 14))
    assert [m["type"] for m in received] == [
        "call.status",
        "call.transcript",
        "call.utterance",
        "call.transcript",
        "call.utterance",
        "call.metrics",
        "call.event",
    ]
    assert received[4]["heard_text"] == "주문" and received[4]["interrupted"]
    await socket.disconnect()


async def test_subscribing_never_sends_the_holder_a_message_it_cannot_handle(make_call, staff_user):
    call = await sync_to_async(make_call)()
    async with FakeHolder(call.call_sid) as holder:
        socket = await open_monitor(staff_user)
        await subscribe(socket, "wallboard")
        await subscribe(socket, "call", call.call_sid)
        received = [await holder.receive(), *await holder.received()]
    # Only leases (repeated until the holder answers), which the holder handles.
    assert {m["type"] for m in received} == {"call.watch"}
    assert {m["seconds"] for m in received} == {WATCH_LEASE_SECONDS}
    assert callable(getattr(MediaStreamConsumer, "call_watch", None))
    await socket.disconnect()


async def test_a_page_opened_before_the_holder_listens_still_gets_its_lease(make_call, staff_user):
    call = await sync_to_async(make_call)()
    socket = await open_monitor(staff_user)
    await subscribe(socket, "call", call.call_sid)  # nobody holds the call yet
    async with FakeHolder(call.call_sid) as holder:  # the media stream starts now
        assert (await holder.receive())["type"] == "call.watch"
    await socket.disconnect()


async def test_an_ended_call_is_not_watched(make_call, staff_user):
    call = await sync_to_async(make_call)(status="completed", end_reason="caller_hangup")
    async with FakeHolder(call.call_sid) as holder:
        socket = await open_monitor(staff_user)
        snapshot = await subscribe(socket, "call", call.call_sid)
        assert snapshot["live"] is False
        assert await holder.received() == []  # no lease was asked for
    await socket.disconnect()


async def test_switching_subscription_stops_the_previous_stream(make_call, staff_user):
    call = await sync_to_async(make_call)()
    socket = await open_monitor(staff_user)
    await subscribe(socket, "wallboard")
    await subscribe(socket, "call", call.call_sid)
    await publish_all(CallStatusEvent(call.call_sid, 1, state=CallState.IDLE))
    assert (await socket.receive_json_from(timeout=TIMEOUT))["seq"] == 1
    assert await socket.receive_nothing(timeout=0.05)
    await socket.disconnect()


async def test_subscribing_to_an_unknown_call_is_an_error(staff_user):
    socket = await open_monitor(staff_user)
    await socket.send_json_to({"action": "subscribe", "target": "call", "call_sid": "CAnope"})
    assert (await socket.receive_json_from(timeout=TIMEOUT))["code"] == "no_such_call"
    await socket.disconnect()
