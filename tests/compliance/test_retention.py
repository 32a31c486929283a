"""Past a profile's retention, transcripts and events go and the number becomes a keyed hash."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from calls.compliance.access_log import purge_expired, record_access
from calls.compliance.caller_key import caller_key
from calls.compliance.models import AccessLogEntry
from calls.compliance.retention import purge_call_data
from calls.models import Call, CallEvent, Utterance
from prompts.models import AgentProfile
from tests.compliance.conftest import CALLER, NOW

pytestmark = pytest.mark.django_db


def test_a_call_past_ninety_days_loses_its_transcript_events_and_number(stored_call):
    old = stored_call(days_ago=91, summary="고객이 배송 지연을 문의함.", category="배송")
    report = purge_call_data(now=NOW)
    assert (report.calls, report.utterances, report.events) == (1, 1, 1)
    old.refresh_from_db()
    assert not Utterance.objects.filter(call=old).exists()
    assert not CallEvent.objects.filter(call=old).exists()
    assert old.from_number == "" and old.summary == ""
    assert old.category == "배송"  # statistics keep the category
    assert old.caller_hash == caller_key(CALLER) and CALLER[3:] not in old.caller_hash
    assert old.data_purged_at == NOW


def test_the_counts_and_timings_statistics_need_are_kept(stored_call):
    old = stored_call(days_ago=200)
    before = Call.objects.values(
        "started_at", "ended_at", "duration_seconds", "turns", "avg_response_latency_ms", "status"
    ).get(pk=old.pk)
    purge_call_data(now=NOW)
    after = Call.objects.values(*before).get(pk=old.pk)
    assert after == before


def test_a_call_within_retention_is_left_alone(stored_call):
    recent = stored_call(days_ago=89)
    assert purge_call_data(now=NOW).calls == 0
    recent.refresh_from_db()
    assert recent.from_number == CALLER
    assert Utterance.objects.filter(call=recent).count() == 1


def test_each_profile_keeps_call_data_for_its_own_period(stored_call, default_profile):
    short = AgentProfile.objects.create(name="단기 보관", call_data_retention_days=7)
    short_call = stored_call(days_ago=8, profile=short)
    default_call = stored_call(days_ago=8)
    purge_call_data(now=NOW)
    assert Call.objects.get(pk=short_call.pk).data_purged_at == NOW
    assert Call.objects.get(pk=default_call.pk).data_purged_at is None


def test_a_call_still_in_progress_is_never_purged(stored_call):
    live = stored_call(days_ago=120, status="in_progress")
    assert purge_call_data(now=NOW).calls == 0
    assert Call.objects.get(pk=live.pk).from_number == CALLER


def test_it_works_in_batches_and_a_rerun_finds_nothing_left(stored_call):
    calls = [stored_call(days_ago=100 + n) for n in range(5)]
    assert purge_call_data(now=NOW, batch_size=2).calls == 5
    assert purge_call_data(now=NOW + timedelta(days=1)).calls == 0
    keys = set(Call.objects.filter(pk__in=[c.pk for c in calls]).values_list("caller_hash"))
    assert keys == {(caller_key(CALLER),)}  # hashed once, not hashed again


def test_the_same_caller_gets_the_same_key_in_any_written_form():
    assert (
        caller_key("+821098765432") == caller_key("010-9876-5432") == caller_key("8210 9876 5432")
    )
    assert caller_key("+821098765432") != caller_key("+821098765433")


def test_the_key_depends_on_the_secret_key(settings):
    first = caller_key(CALLER)
    settings.SECRET_KEY = "another-long-secret-key-for-this-test-only"
    assert caller_key(CALLER) != first


def test_access_log_entries_are_kept_two_years_by_default(staff_user):
    record_access(staff_user, "view_call", call_sid="CAold")
    AccessLogEntry.objects.create(username="x", action="view_call", at=NOW - timedelta(days=731))
    AccessLogEntry.objects.create(username="y", action="view_call", at=NOW - timedelta(days=729))
    assert purge_expired(now=NOW) == 1
    assert sorted(AccessLogEntry.objects.values_list("username", flat=True)) == ["supervisor", "y"]


def test_the_command_reports_what_it_did_and_is_safe_to_rerun(stored_call):
    stored_call(days_ago=400)
    stored_call(days_ago=1)
    out = StringIO()
    call_command("purge_call_data", stdout=out)
    assert "purged 1 call(s): 1 utterance(s), 1 event(s) deleted" in out.getvalue()
    assert "expired recording(s)" in out.getvalue()
    again = StringIO()
    call_command("purge_call_data", stdout=again)
    assert "purged 0 call(s)" in again.getvalue()
