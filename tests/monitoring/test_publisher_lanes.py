"""The monitor publisher: each call's events in order, many calls' events side by side."""

import asyncio

import pytest

from calls import events
from calls.events import EventPublisher, TranscriptDeltaEvent, call_group


class SlowLayer:
    """A channel layer whose group sends take a round trip, like Redis's; keeps what it got."""

    def __init__(self):
        self.sent: list[tuple[str, str, int]] = []  # group, call, seq in arrival order
        self.in_flight = 0
        self.most_in_flight = 0
        self.first_call_waits = asyncio.Event()
        self.other_calls_arrived = asyncio.Event()

    async def group_send(self, group: str, message: dict) -> None:
        event = message["event"]
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if event["call_sid"] == "CA-slow" and event["seq"] == 1:
                self.first_call_waits.set()
                await self.other_calls_arrived.wait()  # its round trip outlasts the others'
            await asyncio.sleep(0)
            self.sent.append((group, event["call_sid"], event["seq"]))
            if {sid for _, sid, _ in self.sent} >= {"CA-a", "CA-b"}:
                self.other_calls_arrived.set()
        finally:
            self.in_flight -= 1


@pytest.fixture
def slow_layer(monkeypatch):
    layer = SlowLayer()
    monkeypatch.setattr(events, "get_channel_layer", lambda: layer)
    return layer


def delta(call_sid: str, seq: int) -> TranscriptDeltaEvent:
    return TranscriptDeltaEvent(call_sid=call_sid, seq=seq, text=f"{seq}번째")


async def test_a_slow_call_does_not_hold_up_the_others_and_each_keeps_its_order(slow_layer):
    publisher = EventPublisher()
    for seq in (1, 2, 3):
        for call_sid in ("CA-slow", "CA-a", "CA-b"):
            publisher.publish(delta(call_sid, seq))

    async with asyncio.timeout(5):
        await publisher.flush()

    # The other calls went out while the slow call's first send was still waiting.
    assert slow_layer.most_in_flight >= 2
    arrival = [sid for _, sid, _ in slow_layer.sent]
    assert arrival.index("CA-a") < arrival.index("CA-slow")
    for call_sid in ("CA-slow", "CA-a", "CA-b"):
        seqs = [seq for _, sid, seq in slow_layer.sent if sid == call_sid]
        assert seqs == [1, 2, 3]
        assert {group for group, sid, _ in slow_layer.sent if sid == call_sid} == {
            call_group(call_sid)
        }
    assert publisher.failures == 0


async def test_events_queued_after_a_batch_come_after_it(slow_layer):
    publisher = EventPublisher()
    publisher.publish(delta("CA-slow", 1))
    publisher.publish(delta("CA-a", 1))
    await slow_layer.first_call_waits.wait()
    publisher.publish(delta("CA-slow", 2))  # queued while the first batch is in flight
    publisher.publish(delta("CA-b", 1))
    slow_layer.other_calls_arrived.set()  # the slow round trip ends

    async with asyncio.timeout(5):
        await publisher.flush()

    slow = [seq for _, sid, seq in slow_layer.sent if sid == "CA-slow"]
    assert slow == [1, 2]
    assert len(slow_layer.sent) == 4


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
    assert [(sid, seq) for _, sid, seq in layer.sent] == [("CA-up", 1), ("CA-up", 2)]
