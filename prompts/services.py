"""Plain synchronous operations on profiles and prompt versions."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from calls.compliance.notice import compose_notice
from prompts.models import AgentProfile, AnsweredNumber, PromptVersion, VadSettings
from prompts.snapshot import CallConfig, VadConfig
from prompts.validators import keyword_list, language_list


class NoProfileConfigured(Exception):
    """Raised when no profile answers a number and no default profile exists."""


def profile_for_number(to_number: str) -> AgentProfile:
    """Return the profile that answers this number, else the default profile."""
    routed = (
        AnsweredNumber.objects.select_related("profile").filter(number=to_number.strip()).first()
    )
    if routed is not None:
        return routed.profile
    default = AgentProfile.objects.filter(is_default=True).first()
    if default is None:
        raise NoProfileConfigured(f"no profile answers {to_number} and no default profile exists")
    return default


def active_config(to_number: str) -> CallConfig:
    """Freeze the configuration a call to this number must use, from its profile."""
    profile = profile_for_number(to_number)
    version = profile.active_version
    if version is None:
        raise NoProfileConfigured(f"profile {profile.name!r} has no active prompt version")
    vad, _ = VadSettings.objects.get_or_create(profile=profile)
    return CallConfig(
        profile_id=profile.pk,
        profile_name=profile.name,
        prompt_version_id=version.pk,
        prompt_version_number=version.number,
        instructions=version.instructions,
        greeting=version.greeting,
        voice=version.voice,
        transcription_language=version.transcription_language,
        model=profile.effective_realtime_model(),
        vad=VadConfig(**vad.as_snapshot()),
        transfer_digit=profile.transfer_digit,
        record_calls=profile.record_calls,
        recording_retention_days=profile.recording_retention_days,
        notice_text=compose_notice(
            ai_notice_enabled=profile.ai_notice_enabled,
            ai_notice=profile.ai_notice_text,
            record_calls=profile.record_calls,
            recording_notice=profile.recording_notice_text,
        ),
        notice_voice=profile.notice_voice,
        redact_categories=profile.redaction_categories(),
        keep_unredacted_text=profile.keep_unredacted_text,
        call_data_retention_days=profile.call_data_retention_days,
        custom_voice_id=version.custom_voice_id,
        reasoning_effort=profile.reasoning_effort,
        transcription_model=profile.transcription_model,
        transcription_delay=profile.transcription_delay,
        extra_languages=tuple(language_list(profile.extra_languages)),
        keywords=tuple(keyword_list(profile.keywords)),
        truncation_retention_ratio=profile.truncation_retention_ratio,
        idle_reprompts=profile.idle_reprompts,
        tools=tuple(tool.spec() for tool in profile.tools.filter(enabled=True).order_by("name")),
        summarize_calls=profile.summarize_calls,
        call_categories=tuple(profile.category_list()),
    )


@transaction.atomic
def save_prompt_version(
    profile: AgentProfile,
    *,
    instructions: str,
    greeting: str,
    voice: str | None = None,
    custom_voice_id: str = "",
    transcription_language: str = "ko",
    author=None,
    note: str = "",
    activate: bool = True,
) -> PromptVersion:
    """Save a new version of a profile's prompt and, by default, make it the active one."""
    version = PromptVersion(
        profile=profile,
        instructions=instructions,
        greeting=greeting,
        voice=voice or settings.OPENAI_RESPONSE_VOICE,
        custom_voice_id=custom_voice_id,
        transcription_language=transcription_language,
        author=author,
        note=note,
    )
    version.full_clean(exclude=["number"])
    version.save()
    if activate:
        activate_version(version)
    return version


def activate_version(version: PromptVersion) -> None:
    """Make this version the one new calls use; activating an older one rolls back."""
    AgentProfile.objects.filter(pk=version.profile_id).update(active_version=version)
    version.profile.active_version = version
