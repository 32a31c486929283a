"""The caller hears the AI notice (and the recording notice) before the agent says anything."""

import pytest
from channels.db import database_sync_to_async
from django.urls import reverse

from calls.compliance.notice import DEFAULT_AI_NOTICE, DEFAULT_RECORDING_NOTICE
from calls.models import CallEvent
from prompts.models import AgentProfile
from tests.calls.waiting import delivered, eventually
from tests.prompts.admin_forms import profile_form_data

pytestmark = pytest.mark.django_db(transaction=True)


async def dial_and_hear_the_greeting(fake_ai, make_caller, drained):
    """A call that gets as far as the agent's greeting; returns the caller and its events."""
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await eventually(lambda: delivered(call, session))
    await call.hang_up()
    await drained()
    events = await database_sync_to_async(
        lambda: list(CallEvent.objects.filter(call__call_sid=call.call_sid).order_by("id"))
    )()
    return call, events


def set_profile(profile, **fields):
    """Change the default profile in the database."""
    return database_sync_to_async(AgentProfile.objects.filter(pk=profile.pk).update)(**fields)


async def test_the_twiml_says_the_ai_notice_in_korean_before_it_connects_the_stream(
    fake_ai, make_caller, drained
):
    call, events = await dial_and_hear_the_greeting(fake_ai, make_caller, drained)
    say, connect = call.verbs_before_stream
    assert say == ("Say", DEFAULT_AI_NOTICE, {"language": "ko-KR", "voice": "Polly.Seoyeon"})
    assert connect[0] == "Connect"
    assert events[0].kind == "notice_given"
    assert events[0].data == {"text": DEFAULT_AI_NOTICE, "voice": "Polly.Seoyeon"}


async def test_a_recorded_call_is_also_told_that_and_why_it_is_recorded(
    fake_ai, make_caller, drained, default_profile, settings, tmp_path
):
    settings.RECORDINGS_DIR = tmp_path
    await set_profile(default_profile, record_calls=True, notice_voice="Google.ko-KR-Standard-A")
    call, events = await dial_and_hear_the_greeting(fake_ai, make_caller, drained)
    (say, text, attrs), _ = call.verbs_before_stream
    assert text == f"{DEFAULT_AI_NOTICE} {DEFAULT_RECORDING_NOTICE}"
    assert "녹음" in text and "위해" in text
    assert attrs["voice"] == "Google.ko-KR-Standard-A"
    assert events[0].data["text"] == text


async def test_an_edited_notice_is_spoken_verbatim(fake_ai, make_caller, drained, default_profile):
    notice = "안녕하세요. 이 전화는 생성형 AI 상담원이 받습니다. 상담원 연결은 0번을 눌러 주세요."
    await set_profile(default_profile, ai_notice_text=notice)
    call, events = await dial_and_hear_the_greeting(fake_ai, make_caller, drained)
    assert call.verbs_before_stream[0][1] == notice
    assert events[0].data["text"] == notice


async def test_with_the_notice_off_and_no_recording_the_stream_connects_at_once(
    fake_ai, make_caller, drained, default_profile
):
    await set_profile(default_profile, ai_notice_enabled=False)
    call, events = await dial_and_hear_the_greeting(fake_ai, make_caller, drained)
    assert [verb[0] for verb in call.verbs_before_stream] == ["Connect"]
    assert "notice_given" not in [event.kind for event in events]


def test_switching_the_notice_off_in_the_admin_warns_about_the_law(
    client, superuser, default_profile
):
    client.force_login(superuser)
    url = reverse("admin:prompts_agentprofile_change", args=[default_profile.pk])
    data = profile_form_data(default_profile)
    del data["ai_notice_enabled"]
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    default_profile.refresh_from_db()
    assert default_profile.ai_notice_enabled is False
    warnings = [str(m) for m in response.context["messages"]]
    assert any("인공지능 기본법" in m for m in warnings), warnings


def test_the_admin_form_shows_the_notice_and_explains_the_obligation(
    client, superuser, default_profile
):
    client.force_login(superuser)
    page = client.get(reverse("admin:prompts_agentprofile_change", args=[default_profile.pk]))
    body = page.content.decode()
    assert DEFAULT_AI_NOTICE in body
    assert "인공지능 기본법" in body
