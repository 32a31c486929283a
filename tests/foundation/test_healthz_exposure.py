"""/healthz: probes leave nothing behind; anonymous callers get the status, not the reasons."""

import uuid

import pytest
import redis.asyncio as redis
from channels.layers import get_channel_layer
from django.test import override_settings

from arsproject.channel_layers import REDIS_BACKEND

pytestmark = pytest.mark.django_db(transaction=True)

PROBES = 40


async def test_many_healthz_probes_leave_at_most_one_subscribed_channel(async_client, redis_url):
    prefix = f"healthz-leak-{uuid.uuid4().hex[:8]}"
    layers = {
        "default": {"BACKEND": REDIS_BACKEND, "CONFIG": {"hosts": [redis_url], "prefix": prefix}}
    }
    server = redis.Redis.from_url(redis_url)
    try:
        with override_settings(CHANNEL_LAYERS=layers):
            for _ in range(PROBES):
                assert (await async_client.get("/healthz")).status_code == 200
            layer = get_channel_layer()
            subscribed = await server.pubsub_channels(f"{prefix}*")
            assert len(subscribed) <= 1
            assert len(layer.channels) <= 1
            await layer.flush()
    finally:
        await server.aclose()


UNREACHABLE_REDIS = {
    "default": {"BACKEND": REDIS_BACKEND, "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}
}


async def test_anonymous_healthz_gives_the_status_without_hosts_or_errors(async_client, caplog):
    with override_settings(CHANNEL_LAYERS=UNREACHABLE_REDIS):
        response = await async_client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert (body["ok"], body["draining"]) == (False, False)
    assert (body["database"], body["channel_layer"]) == ({"ok": True}, {"ok": False})
    assert "127.0.0.1" not in response.content.decode()
    assert any("channel layer is down" in record.getMessage() for record in caplog.records)
