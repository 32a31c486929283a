"""Prompt versions are immutable; editing saves a new one; activation rolls forward and back."""

import pytest
from django.urls import reverse

from calls.models import Call
from prompts import services
from prompts.models import ImmutableVersionError, PromptVersion

pytestmark = pytest.mark.django_db


def test_saving_a_prompt_creates_a_new_active_version(default_profile, superuser):
    first = default_profile.active_version
    new = services.save_prompt_version(
        default_profile, instructions="새 지침", greeting="안녕하세요", author=superuser, note="t"
    )
    default_profile.refresh_from_db()
    assert new.number == first.number + 1
    assert default_profile.active_version == new
    assert PromptVersion.objects.get(pk=first.pk).instructions == first.instructions


def test_a_saved_version_cannot_change(default_profile):
    version = default_profile.active_version
    version.instructions = "몰래 바꾸기"
    with pytest.raises(ImmutableVersionError):
        version.save()
    with pytest.raises(ImmutableVersionError):
        version.delete()
    assert PromptVersion.objects.get(pk=version.pk).instructions != "몰래 바꾸기"


def test_editing_in_the_admin_saves_a_new_version_and_leaves_the_used_one(
    client, superuser, default_profile
):
    used = default_profile.active_version
    Call.objects.create(call_sid="CA" + "1" * 32, profile=default_profile, prompt_version=used)
    client.force_login(superuser)
    url = reverse("admin:prompts_promptversion_change", args=[used.pk])
    response = client.post(
        url,
        {
            "profile": default_profile.pk,
            "instructions": "수정된 지침입니다.",
            "greeting": used.greeting,
            "voice": used.voice,
            "transcription_language": "ko",
            "note": "문구 수정",
            "activate_now": "on",
        },
    )
    assert response.status_code == 302
    used_after = PromptVersion.objects.get(pk=used.pk)
    assert used_after.instructions == used.instructions
    newest = PromptVersion.objects.filter(profile=default_profile).order_by("-number").first()
    assert newest.pk != used.pk
    assert newest.instructions == "수정된 지침입니다."
    assert newest.author == superuser
    default_profile.refresh_from_db()
    assert default_profile.active_version == newest
    assert Call.objects.get().prompt_version == used_after


def test_activating_an_older_version_rolls_back(default_profile):
    original = default_profile.active_version
    services.save_prompt_version(default_profile, instructions="v2", greeting="g2")
    services.activate_version(original)
    default_profile.refresh_from_db()
    assert default_profile.active_version == original
    assert services.active_config("+82100000000").instructions == original.instructions


def test_the_admin_activate_action_rolls_back(client, superuser, default_profile):
    original = default_profile.active_version
    services.save_prompt_version(default_profile, instructions="v2", greeting="g2")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:prompts_promptversion_changelist"),
        {"action": "activate_selected", "_selected_action": [original.pk]},
    )
    assert response.status_code == 302
    default_profile.refresh_from_db()
    assert default_profile.active_version == original


def test_the_admin_compares_two_versions(client, superuser, default_profile):
    original = default_profile.active_version
    newer = services.save_prompt_version(
        default_profile, instructions="완전히 새로운 지침", greeting="g2"
    )
    client.force_login(superuser)
    response = client.post(
        reverse("admin:prompts_promptversion_changelist"),
        {"action": "compare_two", "_selected_action": [original.pk, newer.pk]},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "완전히 새로운 지침" in page  # real spaces: the stylesheet wraps long lines
    assert "diff_add" in page or "diff_chg" in page
