"""The channel layer for a Redis URL, or the in-memory one: one definition for settings and tests.

With Redis, channels_redis' pub/sub layer: our traffic is live events fanned out to groups and
a message to one call's holder. A group send there is one PUBLISH and a receiver is pushed its
messages, where the list-based layer spends four round trips on each send and four more on each
receive, one receive at a time per process; on a busy event loop that put the supervisors' p99
at 97 ms against 14 ms with 25 calls (bench/monitor_latency.py). Nothing is queued for absent
listeners, which suits events that pages resync from the database anyway.

A receive() on this layer leaves its channel (unsubscribes) when it is cancelled, so consumers
stop listening by cancelling it.
"""

REDIS_BACKEND = "channels_redis.pubsub.RedisPubSubChannelLayer"
IN_MEMORY_BACKEND = "channels.layers.InMemoryChannelLayer"


def channel_layers(redis_url: str) -> dict:
    """CHANNEL_LAYERS for this Redis URL; the in-memory layer when it is empty."""
    if not redis_url:
        return {"default": {"BACKEND": IN_MEMORY_BACKEND}}
    return {"default": {"BACKEND": REDIS_BACKEND, "CONFIG": {"hosts": [redis_url]}}}
