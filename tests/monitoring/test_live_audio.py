"""A call's audio reaches its listeners in order, frames that piled up travelling together."""

import pytest
from channels.layers import get_channel_layer

from calls.monitoring.live_audio import AudioPublisher
from calls.monitoring.live_events import listen_group
from tests.monitoring.sockets import received_before_marker
from tests.monitoring.test_supervisor_actions_reach_the_bridge import in_memory_layer  # noqa: F401


async def listening_to(call_sid: str) -> str:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(listen_group(call_sid), channel)
    return channel


@pytest.mark.django_db
async def test_frames_that_piled_up_leave_as_one_message_per_call_in_order():
    publisher = AudioPublisher()
    first, second = await listening_to("CA1"), await listening_to("CA2")
    for n in range(3):
        publisher.publish("CA1", bytes([n]))
    publisher.publish("CA2", b"\x09")
    await publisher.flush()
    layer = get_channel_layer()
    got_first = await received_before_marker(layer, listen_group("CA1"), first)
    got_second = await received_before_marker(layer, listen_group("CA2"), second)
    assert got_first == [{"type": "monitor.audio", "frames": [b"\x00", b"\x01", b"\x02"]}]
    assert got_second == [{"type": "monitor.audio", "frames": [b"\x09"]}]
    assert (publisher.sent, publisher.dropped) == (4, 0)


@pytest.mark.django_db
async def test_a_full_queue_drops_the_oldest_frame_and_counts_it():
    publisher = AudioPublisher(capacity=2)
    channel = await listening_to("CA1")
    for n in range(3):
        publisher.publish("CA1", bytes([n]))
    await publisher.flush()
    got = await received_before_marker(get_channel_layer(), listen_group("CA1"), channel)
    assert got == [{"type": "monitor.audio", "frames": [b"\x01", b"\x02"]}]
    assert publisher.dropped == 1
