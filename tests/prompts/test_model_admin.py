"""The profile admin offers the supported models, refuses retired ones and warns, in Korean."""

import pytest
from django.urls import reverse

from prompts.models import AgentProfile
from tests.prompts.admin_forms import profile_form_data

pytestmark = pytest.mark.django_db


def post_profile(client, profile, **fields):
    """Submit the profile's admin form with these profile fields changed."""
    url = reverse("admin:prompts_agentprofile_change", args=[profile.pk])
    return client.post(url, profile_form_data(profile, fields))


def test_a_retired_model_is_refused_with_a_korean_message(
    client, superuser, default_profile, today
):
    today(2027, 1, 21)
    client.force_login(superuser)
    response = post_profile(client, default_profile, realtime_model="gpt-realtime")
    assert response.status_code == 200
    page = response.content.decode()
    assert "gpt-realtime 모델은 2027-01-20에 OpenAI가 종료하여 선택할 수 없습니다." in page
    default_profile.refresh_from_db()
    assert default_profile.realtime_model == ""


def test_a_retired_transcription_model_is_refused(client, superuser, default_profile, today):
    today(2027, 3, 1)
    client.force_login(superuser)
    response = post_profile(client, default_profile, transcription_model="gpt-4o-transcribe")
    assert "gpt-4o-transcribe 모델은 2027-02-26에 OpenAI가 종료하여" in response.content.decode()


def test_a_model_with_a_shutdown_date_cannot_be_chosen_before_it(
    client, superuser, default_profile, today
):
    today(2026, 12, 6)
    client.force_login(superuser)
    response = post_profile(client, default_profile, realtime_model="gpt-realtime")
    assert "gpt-realtime 모델은 2027-01-20에 종료되므로 선택할 수 없습니다." in (
        response.content.decode()
    )


def test_a_supported_model_and_settings_are_saved(client, superuser, default_profile):
    client.force_login(superuser)
    response = post_profile(
        client,
        default_profile,
        realtime_model="gpt-realtime-2",
        reasoning_effort="minimal",
        transcription_model="gpt-transcribe",
        keywords="강남점\n한빛카드",
        extra_languages="en",
        truncation_retention_ratio="0.7",
        idle_reprompts="3",
    )
    assert response.status_code == 302
    profile = AgentProfile.objects.get(pk=default_profile.pk)
    assert (profile.realtime_model, profile.reasoning_effort) == ("gpt-realtime-2", "minimal")
    assert profile.transcription_model == "gpt-transcribe"
    assert profile.keywords == "강남점\n한빛카드"
    assert (profile.truncation_retention_ratio, profile.idle_reprompts) == (0.7, 3)


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ("강남점\n\n한빛카드", "2번째 줄이 비어 있습니다"),
        ("강남점\n강남점", "2번째 줄의 키워드 강남점이(가) 중복됩니다"),
        ("가" * 51, "1번째 줄이 50자를 넘습니다"),
        ("\n".join(f"키워드{n}" for n in range(101)), "키워드는 최대 100개까지"),
    ],
)
def test_bad_keywords_are_refused_in_korean(client, superuser, default_profile, keywords, message):
    client.force_login(superuser)
    response = post_profile(client, default_profile, keywords=keywords)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_a_bad_extra_language_is_refused_in_korean(client, superuser, default_profile):
    client.force_login(superuser)
    response = post_profile(client, default_profile, extra_languages="en, english")
    assert "english은(는) 두 글자 ISO-639-1 언어 코드가 아닙니다" in response.content.decode()


def test_the_profile_page_shows_a_korean_banner_for_a_retiring_model(
    client, superuser, default_profile, today
):
    today(2027, 1, 1)
    AgentProfile.objects.filter(pk=default_profile.pk).update(realtime_model="gpt-realtime")
    client.force_login(superuser)
    page = client.get(reverse("admin:prompts_agentprofile_change", args=[default_profile.pk]))
    text = page.content.decode()
    assert "OpenAI가 2027-01-20에 gpt-realtime 모델을 종료합니다(19일 남음)" in text
    assert "gpt-realtime (2027-01-20 종료)" in text  # the select keeps showing the current value


def test_the_banner_covers_a_retiring_server_default(
    client, superuser, default_profile, today, settings
):
    today(2027, 1, 25)
    settings.OPENAI_REALTIME_MODEL = "gpt-realtime"
    client.force_login(superuser)
    page = client.get(reverse("admin:prompts_agentprofile_change", args=[default_profile.pk]))
    assert "OpenAI가 2027-01-20에 gpt-realtime 모델을 종료했습니다" in page.content.decode()


def test_no_banner_for_supported_models(client, superuser, default_profile, today):
    today(2027, 1, 1)
    client.force_login(superuser)
    page = client.get(reverse("admin:prompts_agentprofile_change", args=[default_profile.pk]))
    assert "모델을 종료" not in page.content.decode()


def post_prompt_version(client, profile, **fields):
    """Submit a new prompt version for this profile in the admin."""
    data = {
        "profile": profile.pk,
        "instructions": "지침",
        "greeting": "안녕하세요",
        "voice": "marin",
        "transcription_language": "ko",
        "note": "",
        "activate_now": "on",
        **fields,
    }
    return client.post(reverse("admin:prompts_promptversion_add"), data)


def test_a_custom_voice_id_is_saved_on_a_new_version(client, superuser, default_profile):
    client.force_login(superuser)
    response = post_prompt_version(client, default_profile, custom_voice_id="voice_1234")
    assert response.status_code == 302
    default_profile.refresh_from_db()
    assert default_profile.active_version.custom_voice_id == "voice_1234"


def test_a_malformed_custom_voice_id_is_refused_in_korean(client, superuser, default_profile):
    client.force_login(superuser)
    response = post_prompt_version(client, default_profile, custom_voice_id="my voice")
    assert response.status_code == 200
    assert "사용자 지정 음성 ID는 voice_1234 같은 형식입니다." in response.content.decode()
