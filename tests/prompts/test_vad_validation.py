"""Out-of-range VAD values are refused by the model and by the admin, in Korean."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from prompts.models import VadSettings
from tests.prompts.admin_forms import profile_form_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("threshold", 1.5),
        ("threshold", -0.1),
        ("prefix_padding_ms", 2001),
        ("silence_duration_ms", 99),
        ("silence_duration_ms", 5001),
        ("idle_timeout_ms", 4999),
        ("idle_timeout_ms", 30001),
        ("turn_detection_type", "push_to_talk"),
        ("eagerness", "eager"),
        ("noise_reduction", "studio"),
    ],
)
def test_the_model_refuses_out_of_range_values(default_profile, field, value):
    vad = default_profile.vad
    setattr(vad, field, value)
    with pytest.raises(ValidationError) as error:
        vad.save()
    assert field in error.value.message_dict
    VadSettings.objects.get(pk=vad.pk)  # still there, unchanged in the database
    assert getattr(VadSettings.objects.get(pk=vad.pk), field) != value


def test_the_defaults_match_the_original_service(default_profile):
    vad = default_profile.vad
    assert (vad.threshold, vad.prefix_padding_ms, vad.silence_duration_ms) == (0.5, 300, 700)
    assert vad.turn_detection_type == "server_vad"


def test_idle_timeout_needs_server_vad(default_profile):
    vad = default_profile.vad
    vad.turn_detection_type = "semantic_vad"
    vad.idle_timeout_ms = 10000
    with pytest.raises(ValidationError) as error:
        vad.save()
    assert "idle_timeout_ms" in error.value.message_dict


def test_the_admin_refuses_an_out_of_range_threshold_in_korean(client, superuser, default_profile):
    client.force_login(superuser)
    url = reverse("admin:prompts_agentprofile_change", args=[default_profile.pk])
    response = client.post(url, profile_form_data(default_profile, threshold="1.7"))
    assert response.status_code == 200  # the form comes back with errors
    assert "1.0" in response.content.decode()
    assert "이하" in response.content.decode()  # Django's Korean "less than or equal" message
    default_profile.vad.refresh_from_db()
    assert default_profile.vad.threshold == 0.5


def test_the_admin_saves_valid_vad_settings(client, superuser, default_profile):
    client.force_login(superuser)
    url = reverse("admin:prompts_agentprofile_change", args=[default_profile.pk])
    response = client.post(url, profile_form_data(default_profile, silence_duration_ms="900"))
    assert response.status_code == 302
    default_profile.vad.refresh_from_db()
    assert default_profile.vad.silence_duration_ms == 900
