"""Fixtures for compliance tests: simulated calls, a fixed clock, staff with given rights."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from calls.models import Call, CallEvent, Utterance
from tests.calls.conftest import drained, fake_ai, make_caller, realtime_script  # noqa: F401
from tests.conftest import grant

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
    grant(user, "view_call", "view_unredacted")
    return django_user_model.objects.get(pk=user.pk)  # fresh permission cache


def contains_raw(text: str) -> list[str]:
    """The raw personal numbers of PHONE_AND_RRN_LINE that appear in the text."""
    return [piece for piece in RAW_PIECES if piece in text]


NOW = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)  # the fixed clock of retention and deletion tests
CALLER = "+821098765432"
OTHER_CALLER = "+821055501234"
_sids = itertools.count(1)


@pytest.fixture
def stored_call(db, default_profile):
    """Create an ended call with a transcript line and an event, `days_ago` before NOW."""

    def make(days_ago: float, from_number: str = CALLER, profile=default_profile, **fields):
        started = NOW - timedelta(days=days_ago)
        values = {
            "call_sid": f"CA{next(_sids):032x}",
            "from_number": from_number,
            "to_number": "+8215880000",
            "profile": profile,
            "status": "completed",
            "started_at": started,
            "answered_at": started + timedelta(seconds=1),
            "ended_at": started + timedelta(seconds=95),
            "duration_seconds": 95,
            "turns": 3,
            "avg_response_latency_ms": 640,
        }
        values.update(fields)
        call = Call.objects.create(**values)
        Utterance.objects.create(call=call, speaker="caller", text="[전화번호]로 연락 주세요.")
        CallEvent.objects.create(call=call, kind="dtmf", data={"digit": "1"})
        return call

    return make


@pytest.fixture
def controller_user(django_user_model):
    """A staff supervisor who may hang up, transfer and coach."""
    user = django_user_model.objects.create_user(
        username="boss", password="pw-boss-1", is_staff=True
    )
    grant(user, "view_call", "control_call")
    return django_user_model.objects.get(pk=user.pk)
