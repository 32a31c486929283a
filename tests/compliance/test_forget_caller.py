"""A caller's deletion request removes every call's personal data and leaves a blind audit."""

from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.urls import reverse

from calls.compliance.caller_key import caller_key
from calls.compliance.forget import forget_caller
from calls.compliance.models import AccessLogEntry, ForgetRequest
from calls.compliance.retention import purge_call_data
from calls.models import Call, CallEvent, Utterance
from tests.compliance.conftest import CALLER, NOW, OTHER_CALLER

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(settings, tmp_path):
    """Give a call a recording file under a temporary RECORDINGS_DIR."""
    settings.RECORDINGS_DIR = tmp_path

    def add(call):
        (tmp_path / f"{call.call_sid}.wav").write_bytes(b"RIFF....WAVE")
        Call.objects.filter(pk=call.pk).update(recording=f"{call.call_sid}.wav")
        return tmp_path / f"{call.call_sid}.wav"

    return add


def test_every_call_from_the_number_loses_transcripts_events_recordings_and_number(
    stored_call, recorded
):
    first, second = stored_call(days_ago=3), stored_call(days_ago=40)
    wav = recorded(first)
    other = stored_call(days_ago=3, from_number=OTHER_CALLER)
    audit = forget_caller("010-9876-5432")
    assert (audit.calls, audit.utterances, audit.events, audit.recordings) == (2, 2, 2, 1)
    assert not wav.exists()
    for call in Call.objects.filter(pk__in=[first.pk, second.pk]):
        assert (call.from_number, call.caller_hash, call.recording) == ("", "", "")
        assert call.duration_seconds == 95  # the statistics stay
    assert not Utterance.objects.filter(call__in=[first, second]).exists()
    assert not CallEvent.objects.filter(call__in=[first, second]).exists()
    assert Call.objects.get(pk=other.pk).from_number == OTHER_CALLER
    assert Utterance.objects.filter(call=other).count() == 1


def test_calls_whose_number_was_already_hashed_by_retention_are_found_too(stored_call, recorded):
    old = stored_call(days_ago=120)
    wav = recorded(old)  # recordings may be kept longer than transcripts
    purge_call_data(now=NOW)
    audit = forget_caller(CALLER)
    assert audit.calls == 1 and audit.recordings == 1
    assert not wav.exists()
    assert Call.objects.get(pk=old.pk).caller_hash == ""


def test_the_audit_entry_says_who_when_and_how_many_but_not_the_number(stored_call, superuser):
    stored_call(days_ago=1)
    audit = forget_caller(CALLER, actor=superuser, via="admin", address="203.0.113.7")
    saved = ForgetRequest.objects.values().get(pk=audit.pk)
    assert saved["actor_name"] == "admin" and saved["calls"] == 1 and saved["at"] is not None
    assert saved["number_hash"] == caller_key(CALLER)
    assert not any("98765432" in str(value) for value in saved.values())
    entry = AccessLogEntry.objects.get(action="forget_caller")
    assert (entry.username, entry.client_address) == ("admin", "203.0.113.7")
    assert "98765432" not in entry.detail


def test_the_command_reports_the_count_and_refuses_an_empty_number(stored_call):
    stored_call(days_ago=1)
    stored_call(days_ago=2)
    out = StringIO()
    call_command("forget_caller", CALLER, stdout=out)
    assert out.getvalue().startswith("forgot 2 call(s): 2 utterance(s), 2 event(s)")
    assert "9876" not in out.getvalue()
    assert ForgetRequest.objects.get().via == "command"
    with pytest.raises(CommandError):
        call_command("forget_caller", "   ")


def test_a_second_request_for_the_same_number_finds_nothing_left(stored_call):
    stored_call(days_ago=1)
    forget_caller(CALLER)
    assert forget_caller(CALLER).calls == 0
    assert ForgetRequest.objects.count() == 2


def test_the_admin_action_forgets_all_calls_of_the_selected_callers(client, superuser, stored_call):
    selected = stored_call(days_ago=1)
    unselected_same_caller = stored_call(days_ago=5)
    client.force_login(superuser)
    response = client.post(
        reverse("admin:calls_call_changelist"),
        {"action": "forget_selected_callers", "_selected_action": [selected.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert Call.objects.get(pk=unselected_same_caller.pk).from_number == ""
    audit = ForgetRequest.objects.get()
    assert (audit.actor, audit.via, audit.calls) == (superuser, "admin", 2)


def test_staff_without_the_delete_right_do_not_get_the_action(client, staff_user, stored_call):
    staff_user.user_permissions.add(Permission.objects.get(codename="view_call"))
    stored_call(days_ago=1)
    client.force_login(staff_user)
    page = client.get(reverse("admin:calls_call_changelist"))
    assert page.status_code == 200
    assert "forget_selected_callers" not in page.content.decode()
