"""The monitor publisher: each call's events in order, and a slow call holds up no other call."""

import asyncio
from collections import defaultdict

import pytest

from calls import events
from calls.events import EventPublisher, TranscriptDeltaEvent, call_group


class SlowLayer:
    """A channel layer where the first send of call CA-slow takes a round trip until released."""

    def __init__(self):
        self.sent: list[tuple[str, str, int]] = []  # group, call, seq in arrival order
        self.arrived: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.slow_send_started = asyncio.Event()
        self.release_slow = asyncio.Event()

    async def group_send(self, group: str, message: dict) -> None:
        event = message["event"]
        if event["call_sid"] == "CA-slow" and event["seq"] == 1:
            self.slow_send_started.set()
            await self.release_slow.wait()
        self.sent.append((group, event["call_sid"], event["seq"]))
        self.arrived[event["call_sid"]].set()

    def seqs(self, call_sid: str) -> list[int]:
        return [seq for _, sid, seq in self.sent if sid == call_sid]


@pytest.fixture
def slow_layer(monkeypatch):
    layer = SlowLayer()
    monkeypatch.setattr(events, "get_channel_layer", lambda: layer)
    return layer


def delta(call_sid: str, seq: int) -> TranscriptDeltaEvent:
    return TranscriptDeltaEvent(call_sid=call_sid, seq=seq, text=f"{seq}번째")


async def test_other_calls_go_out_while_one_call_waits_and_each_keeps_its_order(slow_layer):
    publisher = EventPublisher()
    for seq in (1, 2, 3):
        for call_sid in ("CA-slow", "CA-a", "CA-b"):
            publisher.publish(delta(call_sid, seq))

    async with asyncio.timeout(5):
        await slow_layer.arrived["CA-a"].wait()
        await slow_layer.arrived["CA-b"].wait()
    assert slow_layer.seqs("CA-slow") == []  # still in its round trip, and its seq 2 waits
    slow_layer.release_slow.set()
    async with asyncio.timeout(5):
        await publisher.flush()

    for call_sid in ("CA-slow", "CA-a", "CA-b"):
        assert slow_layer.seqs(call_sid) == [1, 2, 3]
        groups = {group for group, sid, _ in slow_layer.sent if sid == call_sid}
        assert groups == {call_group(call_sid)}
    assert publisher.failures == 0


async def test_events_queued_during_a_slow_send_do_not_wait_for_it_unless_of_that_call(
    slow_layer,
):
    publisher = EventPublisher()
    publisher.publish(delta("CA-slow", 1))
    async with asyncio.timeout(5):
        await slow_layer.slow_send_started.wait()
    publisher.publish(delta("CA-slow", 2))  # queued while CA-slow's first send is in flight
    publisher.publish(delta("CA-b", 1))

    async with asyncio.timeout(5):
        await slow_layer.arrived["CA-b"].wait()
    assert slow_layer.seqs("CA-slow") == []
    slow_layer.release_slow.set()
    async with asyncio.timeout(5):
        await publisher.flush()
    assert slow_layer.seqs("CA-slow") == [1, 2]


async def test_a_failing_send_is_counted_and_the_rest_still_go_out(monkeypatch):
    class FlakyLayer(SlowLayer):
        async def group_send(self, group, message):
            if message["event"]["call_sid"] == "CA-down":
                raise ConnectionError("shard down")
            self.sent.append((group, message["event"]["call_sid"], message["event"]["seq"]))

    layer = FlakyLayer()
    monkeypatch.setattr(events, "get_channel_layer", lambda: layer)
    publisher = EventPublisher()
    for seq in (1, 2):
        publisher.publish(delta("CA-down", seq))
        publisher.publish(delta("CA-up", seq))

    async with asyncio.timeout(5):
        await publisher.flush()

    assert publisher.failures == 2
    assert layer.seqs("CA-up") == [1, 2]


async def test_when_the_lanes_are_full_events_wait_in_the_queue_and_nothing_is_lost(
    slow_layer, monkeypatch
):
    monkeypatch.setattr(events, "LANE_BACKLOG", 3)
    publisher = EventPublisher()
    for seq in range(1, 11):
        publisher.publish(delta("CA-slow", seq))
    async with asyncio.timeout(5):
        await slow_layer.slow_send_started.wait()
    assert publisher._pending.size == 10 - 3  # three taken into the lane, the rest queued
    slow_layer.release_slow.set()
    async with asyncio.timeout(5):
        await publisher.flush()
    assert slow_layer.seqs("CA-slow") == list(range(1, 11))
    assert publisher.dropped == 0
