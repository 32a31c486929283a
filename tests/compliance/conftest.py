"""Fixtures for compliance tests: simulated calls, a fixed clock, staff with given rights."""

import pytest
from django.contrib.auth.models import Permission

from tests.calls.conftest import drained, fake_ai, make_caller, realtime_script  # noqa: F401

PHONE_AND_RRN_LINE = "제 전화번호는 010-9876-5432이고 주민번호는 900101-1234567이에요."
RAW_PIECES = ("9876", "5432", "900101", "1234567")


@pytest.fixture
def in_memory_layer(settings):
    """One process: the in-memory channel layer."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture
def unredacted_reader(django_user_model):
    """A staff member allowed to read unredacted transcripts."""
    user = django_user_model.objects.create_user(
        username="auditor", password="pw-auditor-1", is_staff=True
    )
    user.user_permissions.add(Permission.objects.get(codename="view_unredacted"))
    return django_user_model.objects.get(pk=user.pk)  # fresh permission cache


def contains_raw(text: str) -> list[str]:
    """The raw personal numbers of PHONE_AND_RRN_LINE that appear in the text."""
    return [piece for piece in RAW_PIECES if piece in text]
