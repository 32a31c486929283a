"""Shared fixtures: users, the default profile, a fixed day, and the Redis requirement."""

import datetime
import importlib
import os
import socket
from urllib.parse import urlsplit

import pytest
from django.conf import settings


def grant(user, *codenames: str):
    """Give a user some of the calls app's permissions (by codename)."""
    from django.contrib.auth.models import Permission

    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="calls", codename__in=codenames)
    )
    return user


@pytest.fixture
def staff_user(django_user_model):
    """A staff member without superuser rights who may watch calls and play recordings."""
    user = django_user_model.objects.create_user(
        username="supervisor", password="pw-supervisor-1", is_staff=True
    )
    return grant(user, "view_call", "listen_recording")


@pytest.fixture
def superuser(django_user_model):
    """An administrator with every right."""
    return django_user_model.objects.create_superuser(username="admin", password="pw-admin-1")


@pytest.fixture
def default_profile(db):
    """The default profile created by the data migration (re-created after a table flush)."""
    from django.apps import apps

    from prompts.models import AgentProfile

    if not AgentProfile.objects.filter(is_default=True).exists():
        # Transactional tests flush every table, migration data included.
        migration = importlib.import_module("prompts.migrations.0002_default_profile")
        migration.create_default_profile(apps, None)
    return AgentProfile.objects.get(is_default=True)


@pytest.fixture
def today(monkeypatch):
    """Fix the day the model retirement guard sees: `today(2027, 1, 1)`."""
    from prompts import clock

    def set_day(year: int, month: int, day: int) -> datetime.date:
        fixed = datetime.date(year, month, day)
        monkeypatch.setattr(clock, "today", lambda: fixed)
        return fixed

    return set_day


def redis_reachable(url: str) -> bool:
    """Whether a TCP connection to the Redis in this URL succeeds."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 1):
            return True
    except OSError:
        return False


LOCAL_REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_url():
    """The Redis to test against: required in CI (ARS_REQUIRE_REDIS=1), else skipped if absent.

    In CI it is the configured REDIS_URL, or the machine's Redis on its standard port when the
    run uses the in-memory layer: Redis tests run in both CI passes, never skip.
    """
    required = os.environ.get("ARS_REQUIRE_REDIS") == "1"
    url = settings.REDIS_URL or (LOCAL_REDIS_URL if required else "")
    if url and redis_reachable(url):
        return url
    if required:
        pytest.fail(f"Redis is required here but not reachable (REDIS_URL={url or 'unset'})")
    pytest.skip("REDIS_URL unset or unreachable; CI runs this with Redis")


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """Give every test a new channel layer.

    Each test runs in its own event loop, and channels_redis keeps loop-bound state (its receive
    lock and buffers) on the layer object: a layer reused across loops can leave a receive that
    never finishes, hanging the loop's shutdown. A server has one loop and never meets this.
    """
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def close_the_recorder_connection():
    """Close the database connection the recorder keeps open in asgiref's database thread.

    The recorder keeps its connection between batches; after each test it is closed, so a
    flushed or dropped test database never finds a session still attached.
    """
    yield
    from asgiref.sync import SyncToAsync
    from django.db import connections

    SyncToAsync.single_thread_executor.submit(connections.close_all).result()


@pytest.fixture(autouse=True)
def fresh_cache():
    """Start every test with an empty cache (login-failure counts)."""
    from django.core.cache import cache

    cache.clear()
    yield
