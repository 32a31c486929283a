"""Every model setting of a profile reaches session.update, which the openai SDK types accept."""

import json

import pytest

from calls.live.protocol import realtime as rt
from prompts import services
from prompts.models import AgentProfile
from tests.openai_sdk import UnknownField, validate_session_update

pytestmark = pytest.mark.django_db


def session_update_for(profile: AgentProfile, **profile_fields) -> dict:
    """Save these profile fields, freeze a call's config, and build its session.update event."""
    AgentProfile.objects.filter(pk=profile.pk).update(**profile_fields)
    config = services.active_config("+8215880000")
    event = json.loads(rt.session_update(rt.build_session(config, "pcmu"), "evt_session_1"))
    validate_session_update(event)
    return event["session"]


def transcription_of(session: dict) -> dict:
    """The audio.input.transcription object of a session."""
    return session["audio"]["input"]["transcription"]


def test_the_defaults_are_the_new_models_with_korean_recognition(default_profile):
    session = session_update_for(default_profile)
    assert transcription_of(session) == {"model": "gpt-live-transcribe", "languages": ["ko"]}
    assert session["reasoning"] == {"effort": "low"}  # gpt-realtime-2.1 is a reasoning model
    assert session["truncation"] == {"type": "retention_ratio", "retention_ratio": 0.8}


def test_the_profile_model_is_frozen_on_the_call(default_profile):
    AgentProfile.objects.filter(pk=default_profile.pk).update(realtime_model="gpt-realtime-2")
    config = services.active_config("+8215880000")
    AgentProfile.objects.filter(pk=default_profile.pk).update(realtime_model="gpt-realtime-1.5")
    assert config.model == "gpt-realtime-2"


def test_an_empty_profile_model_uses_the_server_default(default_profile, settings):
    settings.OPENAI_REALTIME_MODEL = "gpt-realtime-2.1-mini"
    assert services.active_config("+8215880000").model == "gpt-realtime-2.1-mini"


@pytest.mark.parametrize("effort", ["minimal", "low", "medium", "high", "xhigh"])
def test_the_reasoning_effort_is_sent_to_a_reasoning_model(default_profile, effort):
    session = session_update_for(
        default_profile, realtime_model="gpt-realtime-2", reasoning_effort=effort
    )
    assert session["reasoning"] == {"effort": effort}


def test_no_reasoning_is_sent_to_a_model_that_does_not_take_it(default_profile):
    session = session_update_for(
        default_profile, realtime_model="gpt-realtime-1.5", reasoning_effort="high"
    )
    assert "reasoning" not in session


def test_languages_and_keywords_reach_gpt_transcribe(default_profile):
    session = session_update_for(
        default_profile,
        transcription_model="gpt-transcribe",
        extra_languages="en, ja",
        keywords="ARS몰\n강남점\n한빛카드\n",
    )
    assert transcription_of(session) == {
        "model": "gpt-transcribe",
        "languages": ["ko", "en", "ja"],
        "keywords": ["ARS몰", "강남점", "한빛카드"],
    }


def test_gpt_realtime_whisper_gets_one_language_and_its_delay_but_no_keywords(default_profile):
    session = session_update_for(
        default_profile,
        transcription_model="gpt-realtime-whisper",
        transcription_delay="high",
        extra_languages="en",
        keywords="강남점",
    )
    assert transcription_of(session) == {
        "model": "gpt-realtime-whisper",
        "language": "ko",
        "delay": "high",
    }


def test_the_retention_ratio_reaches_truncation(default_profile):
    session = session_update_for(default_profile, truncation_retention_ratio=0.6)
    assert session["truncation"] == {"type": "retention_ratio", "retention_ratio": 0.6}


@pytest.mark.parametrize("voice", ["marin", "cedar"])
def test_a_built_in_voice_is_sent_by_name(default_profile, voice):
    services.save_prompt_version(default_profile, instructions="지침", greeting="인사", voice=voice)
    session = session_update_for(default_profile)
    assert session["audio"]["output"]["voice"] == voice


def test_a_custom_voice_is_sent_as_an_id_object(default_profile):
    services.save_prompt_version(
        default_profile, instructions="지침", greeting="인사", custom_voice_id="voice_1234"
    )
    session = session_update_for(default_profile)
    assert session["audio"]["output"]["voice"] == {"id": "voice_1234"}


def test_the_idle_re_prompt_count_is_frozen_on_the_call(default_profile):
    AgentProfile.objects.filter(pk=default_profile.pk).update(idle_reprompts=3)
    config = services.active_config("+8215880000")
    assert config.idle_reprompts == 3
    assert type(config).from_dict(config.to_dict()) == config


def test_the_strict_check_refuses_a_field_the_sdk_does_not_declare(default_profile):
    config = services.active_config("+8215880000")
    session = rt.build_session(config, "pcmu")
    session["audio"]["input"]["transcription"]["hotwords"] = ["강남점"]
    with pytest.raises(UnknownField, match="transcription.hotwords"):
        validate_session_update({"type": "session.update", "session": session})
