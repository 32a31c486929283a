"""The monitor publisher: events go out in the order they were published, over the real layer."""

import asyncio
import logging

import pytest
from channels.layers import get_channel_layer

from arsproject.channel_layers import channel_layers
from calls.monitoring import live_events as events
from calls.monitoring.live_events import (
    WALLBOARD_GROUP,
    CallStatusEvent,
    EventPublisher,
    TranscriptDeltaEvent,
    call_group,
)


def delta(call_sid: str, seq: int) -> TranscriptDeltaEvent:
    return TranscriptDeltaEvent(call_sid=call_sid, seq=seq, text=f"{seq}번째")


class RecordingLayer:
    """A layer that keeps what it was sent; sends for `down_calls` fail like a lost Redis."""

    def __init__(self, down_calls=()):
        self.sent: list[tuple[str, str, int]] = []
        self.down_calls = set(down_calls)

    async def group_send(self, group: str, message: dict) -> None:
        event = message["event"]
        if event["call_sid"] in self.down_calls:
            raise ConnectionError("layer down")
        self.sent.append((group, event["call_sid"], event["seq"]))


async def test_events_of_many_calls_go_out_in_the_order_they_were_published(monkeypatch):
    layer = RecordingLayer()
    monkeypatch.setattr(events, "get_channel_layer", lambda: layer)
    publisher = EventPublisher()
    published = [(sid, seq) for seq in (1, 2, 3) for sid in ("CA-a", "CA-b", "CA-c")]
    for sid, seq in published:
        publisher.publish(delta(sid, seq))
    publisher.publish(CallStatusEvent(call_sid="CA-a", seq=4), to_call_group=False)

    async with asyncio.timeout(5):
        await publisher.flush()

    assert layer.sent[:-1] == [(call_group(sid), sid, seq) for sid, seq in published]
    assert layer.sent[-1] == (WALLBOARD_GROUP, "CA-a", 4)  # status: the wallboard only


async def test_a_failed_send_is_counted_and_the_next_one_still_goes_out(monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="calls.monitoring.live_events")
    layer = RecordingLayer(down_calls={"CA-down"})
    monkeypatch.setattr(events, "get_channel_layer", lambda: layer)
    publisher = EventPublisher()
    publisher.publish(delta("CA-down", 1))
    publisher.publish(delta("CA-down", 2))
    async with asyncio.timeout(5):
        await publisher.flush()
    publisher.publish(delta("CA-up", 1))
    async with asyncio.timeout(5):
        await publisher.flush()

    assert publisher.failures == 2
    assert layer.sent == [(call_group("CA-up"), "CA-up", 1)]
    assert "monitoring degraded" in caplog.text
    assert "monitoring resumed" in caplog.text


@pytest.fixture
def redis_layer(redis_url, settings):
    settings.CHANNEL_LAYERS = channel_layers(redis_url)  # as the server configures it
    return get_channel_layer()


@pytest.mark.redis
async def test_through_redis_a_supervisor_gets_a_calls_events_in_order(redis_layer):
    supervisor = await redis_layer.new_channel()
    wallboard = await redis_layer.new_channel()
    await redis_layer.group_add(call_group("CA-redis"), supervisor)
    await redis_layer.group_add(WALLBOARD_GROUP, wallboard)
    publisher = EventPublisher()
    for seq in range(1, 51):
        publisher.publish(delta("CA-redis", seq))
    publisher.publish(CallStatusEvent(call_sid="CA-redis", seq=51, state="idle"))

    async with asyncio.timeout(10):
        await publisher.flush()
        received = [await redis_layer.receive(supervisor) for _ in range(51)]
        on_wallboard = await redis_layer.receive(wallboard)

    assert [m["event"]["seq"] for m in received] == list(range(1, 52))
    assert received[0]["event"]["text"] == "1번째"
    assert received[50]["event"]["state"] == "idle"
    assert on_wallboard == received[50]  # the status event reaches the wallboard too
    assert publisher.failures == 0
    await redis_layer.flush()
