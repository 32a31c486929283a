"""Deleting a call deletes its recording, one by one or in bulk, in the admin or in code."""

import pytest
from django.urls import reverse

from calls.live.stereo_recording import StereoRecording
from calls.models import Call
from calls.records.recording_files import path_of, write

pytestmark = pytest.mark.django_db(transaction=True)


def recorded_call(n: int) -> Call:
    call_sid = f"CA{n:032x}"
    return Call.objects.create(call_sid=call_sid, recording=write(call_sid, StereoRecording()))


def test_deleting_calls_in_the_admin_or_in_code_deletes_their_wav_files(client, superuser):
    one, bulk_a, bulk_b, in_code = (recorded_call(n) for n in (101, 102, 103, 104))
    files = [path_of(call.recording) for call in (one, bulk_a, bulk_b, in_code)]
    assert all(file.exists() for file in files)
    client.force_login(superuser)
    client.post(reverse("admin:calls_call_delete", args=[one.pk]), {"post": "yes"})
    client.post(
        reverse("admin:calls_call_changelist"),
        {"action": "delete_selected", "_selected_action": [bulk_a.pk, bulk_b.pk], "post": "yes"},
    )
    Call.objects.filter(pk=in_code.pk).delete()
    assert not Call.objects.exists()
    assert [file.exists() for file in files] == [False] * 4
