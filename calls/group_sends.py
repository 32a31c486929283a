"""Send a batch of group messages in order: with Redis, all of them in one round trip.

channels_redis' pub/sub layer sends each group message as one PUBLISH, and a process's
publishes take turns behind one lock, each waiting for the previous reply. A reply is read only
when the event loop gets round to it, which on a loop busy with a hundred calls' audio can take
milliseconds; the monitor's events then queued up behind one another. A pipeline sends the whole
batch in one round trip, in order. Subscribers get exactly what `group_send` would have sent
them: the same Redis channel for the group, the same serialization, the same client.

Other layers (the in-memory one) get their own `group_send`, one message after another.
"""

from __future__ import annotations

from collections.abc import Sequence

from channels_redis.pubsub import RedisPubSubChannelLayer


async def send_in_order(layer, messages: Sequence[tuple[str, dict]]) -> None:
    """Deliver (group, message) pairs in this order; raises if the layer failed."""
    if isinstance(layer, RedisPubSubChannelLayer):
        await _publish_pipelined(layer, messages)
        return
    for group, message in messages:
        await layer.group_send(group, message)


async def _publish_pipelined(layer: RedisPubSubChannelLayer, messages) -> None:
    """One PUBLISH per message, as the layer's group_send does, through one pipeline per shard."""
    loop_layer = layer._get_layer()  # this event loop's layer: channel names and Redis client
    pipelines = {}
    for group, message in messages:
        channel = loop_layer._get_group_channel_name(group)
        shard = loop_layer._get_shard(channel)
        pipeline = pipelines.get(id(shard))
        if pipeline is None:
            shard._ensure_redis()
            pipeline = pipelines[id(shard)] = shard._redis.pipeline(transaction=False)
        pipeline.publish(channel, layer.serialize(message))
    for pipeline in pipelines.values():
        await pipeline.execute()
