"""Watching calls takes `calls.view_call`; playing recordings also `calls.listen_recording`."""

import pytest
from django.urls import reverse

from calls.models import ApiToken
from calls.records.recording_files import write
from tests.conftest import grant
from tests.monitoring.sockets import TIMEOUT, open_monitor

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bare_staff(django_user_model):
    """A staff member with no permission at all."""
    return django_user_model.objects.create_user(
        username="bare", password="pw-bare-1", is_staff=True
    )


@pytest.fixture
def recorded_call(make_call):
    """A call with a WAV on disk."""
    from calls.live.stereo_recording import StereoRecording

    call = make_call(status="completed")
    call.recording = write(call.call_sid, StereoRecording())
    call.save()
    return call


def test_staff_without_view_call_read_no_page_api_or_recording(client, bare_staff, recorded_call):
    token = ApiToken(name="mine", user=bare_staff)
    raw = token.issue()
    token.save()
    client.force_login(bare_staff)
    urls = [
        reverse("dashboard-wallboard"),
        reverse("dashboard-history"),
        reverse("dashboard-call", args=[recorded_call.call_sid]),
        reverse("call-recording", args=[recorded_call.call_sid]),
        reverse("api-calls"),
        reverse("api-call", args=[recorded_call.call_sid]),
    ]
    assert [client.get(url).status_code for url in urls] == [403] * len(urls)
    client.logout()
    api = reverse("api-calls")
    assert client.get(api, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 403


async def test_staff_without_view_call_are_closed_out_of_the_monitor_socket(bare_staff):
    socket = await open_monitor(bare_staff)
    closed = await socket.receive_output(timeout=TIMEOUT)
    assert (closed["type"], closed["code"]) == ("websocket.close", 4403)


def test_recordings_need_listen_recording_beside_view_call(client, bare_staff, recorded_call):
    url = reverse("call-recording", args=[recorded_call.call_sid])
    grant(bare_staff, "view_call")
    client.force_login(bare_staff)
    assert client.get(reverse("dashboard-history")).status_code == 200
    assert client.get(url).status_code == 403
    grant(bare_staff, "listen_recording")
    client.force_login(bare_staff)  # a fresh request user: permissions are cached per object
    assert client.get(url).status_code == 200
