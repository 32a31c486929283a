"""The admin pages for profiles, prompt versions and calls render for staff, in Korean."""

import pytest
from django.urls import reverse

from calls.models import Call, CallEvent, Speaker, Utterance

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_call(default_profile):
    """A finished call with a short transcript and one event."""
    call = Call.objects.create(
        call_sid="CA" + "a" * 32,
        from_number="+821012345678",
        to_number="+8215880000",
        profile=default_profile,
        prompt_version=default_profile.active_version,
        status="completed",
        end_reason="caller_hangup",
    )
    Utterance.objects.create(call=call, speaker=Speaker.CALLER, text="배송 조회하고 싶어요")
    Utterance.objects.create(call=call, speaker=Speaker.AGENT, text="주문번호를 알려주시겠어요?")
    CallEvent.objects.create(call=call, kind="dtmf", data={"digit": "1"})
    return call


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:index",
        "admin:prompts_agentprofile_changelist",
        "admin:prompts_promptversion_changelist",
        "admin:prompts_promptversion_add",
        "admin:calls_call_changelist",
        "admin:calls_callevent_changelist",
    ],
)
def test_admin_list_pages_render_for_staff(client, superuser, logged_call, url_name):
    client.force_login(superuser)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert 'lang="ko"' in response.content.decode()


def test_the_profile_page_shows_vad_and_history(client, superuser, default_profile):
    client.force_login(superuser)
    url = reverse("admin:prompts_agentprofile_change", args=[default_profile.pk])
    page = client.get(url).content.decode()
    assert "silence_duration_ms" in page
    assert "v1" in page or ">1<" in page


def test_the_call_page_shows_the_transcript_read_only(client, superuser, logged_call):
    client.force_login(superuser)
    page = client.get(reverse("admin:calls_call_change", args=[logged_call.pk])).content.decode()
    assert "배송 조회하고 싶어요" in page
    assert "주문번호를 알려주시겠어요?" in page
    assert 'name="utterances-0-text"' not in page  # not an editable field


def test_the_call_list_filters_and_searches(client, superuser, logged_call):
    client.force_login(superuser)
    url = reverse("admin:calls_call_changelist")
    assert logged_call.call_sid in client.get(url, {"status": "completed"}).content.decode()
    assert logged_call.call_sid not in client.get(url, {"status": "failed"}).content.decode()
    assert logged_call.call_sid in client.get(url, {"q": "5678"}).content.decode()


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("admin:calls_call_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
