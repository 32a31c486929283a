"""Every look at a call's personal data is in an append-only log that only superusers read."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from calls.compliance.models import AccessLogEntry, AppendOnlyError
from calls.models import ApiToken, Call
from calls.monitoring.supervisor_actions import record_action

pytestmark = pytest.mark.django_db


def entries():
    """The log as (user name, action, call SID, client address), oldest first."""
    return list(
        AccessLogEntry.objects.order_by("at", "id").values_list(
            "username", "action", "call_sid", "client_address"
        )
    )


def test_viewing_a_call_page_is_logged_with_user_call_and_address(client, staff_user, stored_call):
    call = stored_call(days_ago=1)
    client.force_login(staff_user)
    response = client.get(f"/dashboard/calls/{call.call_sid}/", REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 200
    assert entries() == [("supervisor", "view_call", call.call_sid, "198.51.100.20")]


def test_playing_a_recording_is_logged(client, staff_user, stored_call, settings, tmp_path):
    settings.RECORDINGS_DIR = tmp_path
    call = stored_call(days_ago=1, recording="rec.wav")
    (tmp_path / "rec.wav").write_bytes(b"RIFF....WAVE")
    client.force_login(staff_user)
    response = client.get(f"/dashboard/calls/{call.call_sid}/recording.wav")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"RIFF")
    assert entries() == [("supervisor", "play_recording", call.call_sid, "127.0.0.1")]


def test_an_api_read_is_logged_as_the_tokens_user(client, staff_user, stored_call):
    call = stored_call(days_ago=1)
    token = ApiToken(name="CRM", user=staff_user)
    raw = token.issue()
    token.save()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get(f"/api/calls/{call.call_sid}/", **auth).status_code == 200
    assert client.get("/api/calls/", **auth).status_code == 200
    assert entries() == [
        ("supervisor", "api_detail", call.call_sid, "127.0.0.1"),
        ("supervisor", "api_list", "", "127.0.0.1"),
    ]


def test_opening_a_call_in_the_admin_is_logged(client, superuser, stored_call):
    call = stored_call(days_ago=1)
    client.force_login(superuser)
    assert client.get(reverse("admin:calls_call_change", args=[call.pk])).status_code == 200
    assert entries() == [("admin", "view_transcript", call.call_sid, "127.0.0.1")]


def test_a_supervisor_action_is_logged(controller_user, stored_call):
    call = stored_call(days_ago=0, status="in_progress")
    record_action(controller_user, call.call_sid, "coach", "천천히 안내해 주세요.", "192.0.2.4")
    assert entries() == [("boss", "supervisor_action", call.call_sid, "192.0.2.4")]
    assert AccessLogEntry.objects.get().detail == "coach"


def test_staff_who_are_not_superusers_cannot_read_the_log(client, staff_user):
    staff_user.user_permissions.add(Permission.objects.get(codename="view_accesslogentry"))
    AccessLogEntry.objects.create(username="someone", action="view_call", call_sid="CA1")
    client.force_login(staff_user)
    url = reverse("admin:calls_accesslogentry_changelist")
    assert client.get(url).status_code == 403
    assert "accesslogentry" not in client.get(reverse("admin:index")).content.decode()


def test_a_superuser_reads_the_log_and_exports_it_as_csv(client, superuser):
    first = AccessLogEntry.objects.create(username="kim", action="view_call", call_sid="CA1")
    client.force_login(superuser)
    url = reverse("admin:calls_accesslogentry_changelist")
    assert "kim" in client.get(url).content.decode()
    response = client.post(url, {"action": "export_csv", "_selected_action": [first.pk]})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["at", "username", "user_id", "action"]
    assert rows[1][1] == "kim" and rows[1][4] == "CA1"
    assert AccessLogEntry.objects.filter(action="export", username="admin").exists()


def test_the_log_cannot_be_changed_or_deleted_through_the_model_or_the_admin(client, superuser):
    entry = AccessLogEntry.objects.create(username="kim", action="view_call", call_sid="CA1")
    entry.detail = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.filter(pk=entry.pk).update(detail="rewritten")
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.all().delete()
    client.force_login(superuser)
    delete_url = reverse("admin:calls_accesslogentry_delete", args=[entry.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    change = client.post(reverse("admin:calls_accesslogentry_change", args=[entry.pk]), {})
    assert change.status_code == 403
    assert AccessLogEntry.objects.get(pk=entry.pk).detail == ""


def test_a_call_page_that_does_not_exist_is_not_logged(client, staff_user):
    client.force_login(staff_user)
    assert client.get("/dashboard/calls/CAnothing/").status_code == 404
    assert entries() == []
    assert not Call.objects.exists()


@pytest.mark.django_db(transaction=True)
async def test_watching_a_call_on_the_monitor_socket_is_logged(
    staff_user, stored_call, in_memory_layer
):
    from channels.db import database_sync_to_async

    from tests.monitoring.sockets import open_monitor, subscribe

    call = await database_sync_to_async(stored_call)(days_ago=1)
    socket = await open_monitor(staff_user)
    await subscribe(socket, "call", call.call_sid)
    await socket.disconnect()
    logged = await database_sync_to_async(entries)()
    assert [entry[:3] for entry in logged] == [("supervisor", "watch_live", call.call_sid)]


def test_opening_one_call_event_in_the_admin_is_logged(client, superuser, stored_call):
    call = stored_call(days_ago=1)
    event = call.events.get()
    client.force_login(superuser)
    assert client.get(reverse("admin:calls_callevent_change", args=[event.pk])).status_code == 200
    assert entries() == [("admin", "view_transcript", call.call_sid, "127.0.0.1")]


def test_exporting_the_call_history_is_logged(client, staff_user, stored_call):
    stored_call(days_ago=1)
    client.force_login(staff_user)
    response = client.get("/dashboard/calls/export.csv?status=completed")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert entries() == [("supervisor", "export", "", "127.0.0.1")]
    assert "status=completed" in AccessLogEntry.objects.get().detail
