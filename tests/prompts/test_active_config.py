"""active_config() picks the profile by the dialled number and freezes its settings."""

import dataclasses

import pytest

from prompts import services
from prompts.models import AgentProfile, AnsweredNumber, VadSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales_profile(db):
    """A second profile answering one number, with its own prompt and VAD."""
    profile = AgentProfile.objects.create(name="영업팀")
    AnsweredNumber.objects.create(profile=profile, number="+8215881111")
    VadSettings.objects.create(profile=profile, silence_duration_ms=500, threshold=0.6)
    services.save_prompt_version(profile, instructions="영업 지침", greeting="영업팀입니다.")
    return profile


def test_the_profile_that_answers_the_number_is_used(sales_profile):
    config = services.active_config("+8215881111")
    assert config.profile_name == "영업팀"
    assert config.instructions == "영업 지침"
    assert config.vad.silence_duration_ms == 500
    assert config.vad.threshold == 0.6
    assert config.model == "gpt-realtime-2.1"  # OPENAI_REALTIME_MODEL, the profile left it empty


def test_other_numbers_fall_back_to_the_default(sales_profile, default_profile):
    config = services.active_config("+8215889999")
    assert config.profile_id == default_profile.pk
    assert config.prompt_version_id == default_profile.active_version_id


def test_the_snapshot_is_frozen(sales_profile):
    config = services.active_config("+8215881111")
    VadSettings.objects.filter(profile=sales_profile).update(silence_duration_ms=1200)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.voice = "marin"
    assert config.vad.silence_duration_ms == 500
    assert services.active_config("+8215881111").vad.silence_duration_ms == 1200


def test_the_snapshot_round_trips_through_json(sales_profile):
    config = services.active_config("+8215881111")
    assert type(config).from_dict(config.to_dict()) == config


def test_no_default_profile_is_a_clear_error(default_profile):
    AgentProfile.objects.filter(pk=default_profile.pk).update(is_default=False)
    with pytest.raises(services.NoProfileConfigured, match="no default profile"):
        services.active_config("+8215880000")
