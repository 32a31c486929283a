"""The channel layer for a Redis URL, or the in-memory one: one definition for settings and tests.

Redis pub/sub is used rather than channels_redis' list-based layer: our traffic is live events
fanned out to groups that are usually empty (nobody watching a call), and a group send there is
one PUBLISH instead of a script that walks the group. Nothing is queued for absent listeners,
which suits events that pages resync from the database anyway.
"""

REDIS_BACKEND = "channels_redis.pubsub.RedisPubSubChannelLayer"
IN_MEMORY_BACKEND = "channels.layers.InMemoryChannelLayer"


def channel_layers(redis_url: str) -> dict:
    """CHANNEL_LAYERS for this Redis URL; the in-memory layer when it is empty."""
    if not redis_url:
        return {"default": {"BACKEND": IN_MEMORY_BACKEND}}
    return {"default": {"BACKEND": REDIS_BACKEND, "CONFIG": {"hosts": [redis_url]}}}
