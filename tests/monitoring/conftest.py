"""Fixtures for live monitoring: calls in the log, a supervisor with the control right."""

import importlib
import itertools

import pytest
from django.apps import apps
from django.utils import timezone

from calls.models import Call
from tests.conftest import grant

_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """Give each test its own channel layer: a Redis layer's locks belong to one event loop."""
    from channels.layers import channel_layers

    channel_layers.backends.pop("default", None)
    yield
    channel_layers.backends.pop("default", None)


@pytest.fixture
def default_profile(db):
    """The default profile, recreated when a transactional test has flushed the data migration."""
    from prompts.models import AgentProfile

    migration = importlib.import_module("prompts.migrations.0002_default_profile")
    migration.create_default_profile(apps, None)
    return AgentProfile.objects.get(is_default=True)


@pytest.fixture
def make_call(db, default_profile):
    """Create a call row; live (in progress) unless told otherwise."""

    def make(**fields):
        n = next(_numbers)
        values = {
            "call_sid": f"CA{n:032x}",
            "from_number": "+821012345678",
            "to_number": "+8215880000",
            "profile": default_profile,
            "prompt_version": default_profile.active_version,
            "status": "in_progress",
            "answered_at": timezone.now(),
            "config": {"prompt_version_number": 1, "vad": {"type": "server_vad"}},
        }
        values.update(fields)
        return Call.objects.create(**values)

    return make


@pytest.fixture
def controller(django_user_model):
    """A staff supervisor who may hang up, transfer and coach."""
    user = django_user_model.objects.create_user(
        username="controller", password="pw-controller-1", is_staff=True
    )
    return grant(user, "view_call", "control_call")


@pytest.fixture
def plain_user(django_user_model):
    """A logged-in user who is not staff."""
    return django_user_model.objects.create_user(username="visitor", password="pw-visitor-1")
