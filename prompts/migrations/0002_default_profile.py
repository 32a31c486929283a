"""Create the default agent profile with its Korean prompt, greeting and VAD settings."""

from django.conf import settings
from django.db import migrations

from prompts.default_prompt import DEFAULT_GREETING, DEFAULT_INSTRUCTIONS, DEFAULT_PROFILE_NAME


def create_default_profile(apps, schema_editor):
    """Add the default profile unless one exists already."""
    AgentProfile = apps.get_model("prompts", "AgentProfile")
    PromptVersion = apps.get_model("prompts", "PromptVersion")
    VadSettings = apps.get_model("prompts", "VadSettings")
    if AgentProfile.objects.filter(is_default=True).exists():
        return
    profile = AgentProfile.objects.create(name=DEFAULT_PROFILE_NAME, is_default=True)
    version = PromptVersion.objects.create(
        profile=profile,
        number=1,
        instructions=DEFAULT_INSTRUCTIONS,
        greeting=DEFAULT_GREETING,
        voice=settings.OPENAI_RESPONSE_VOICE,
        transcription_language="ko",
        note="기본 프롬프트",
    )
    profile.active_version = version
    profile.save(update_fields=["active_version"])
    VadSettings.objects.create(
        profile=profile,
        turn_detection_type="server_vad",
        threshold=0.5,
        prefix_padding_ms=300,
        silence_duration_ms=700,
    )


class Migration(migrations.Migration):
    dependencies = [("prompts", "0001_initial")]

    operations = [migrations.RunPython(create_default_profile, migrations.RunPython.noop)]
