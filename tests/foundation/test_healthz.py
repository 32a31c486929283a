"""GET /healthz reports whether the database and the channel layer answer."""

import pytest
from django.test import override_settings

from arsproject.channel_layers import REDIS_BACKEND

pytestmark = pytest.mark.django_db(transaction=True)

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": REDIS_BACKEND,
        "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
    }
}


async def test_healthz_is_200_when_everything_answers(async_client):
    response = await async_client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["database"]["ok"] is True
    assert body["channel_layer"]["ok"] is True


async def test_healthz_is_503_naming_an_unreachable_redis(async_client, staff_user):
    await async_client.aforce_login(staff_user)  # the reasons are for staff
    with override_settings(CHANNEL_LAYERS=UNREACHABLE_REDIS):
        response = await async_client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["database"]["ok"] is True
    assert body["channel_layer"]["ok"] is False
    assert body["channel_layer"]["error"]


async def test_healthz_is_200_with_the_real_redis(async_client, redis_url):
    layers = {
        "default": {
            "BACKEND": REDIS_BACKEND,
            "CONFIG": {"hosts": [redis_url]},
        }
    }
    with override_settings(CHANNEL_LAYERS=layers):
        response = await async_client.get("/healthz")
    assert response.status_code == 200, response.json()
