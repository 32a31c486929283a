"""Start-up checks: a server without credentials starts, and says plainly what it cannot do."""

from django.conf import settings
from django.core.checks import Warning, register

from prompts import retirement


@register()
def credentials_check(app_configs, **kwargs):
    """Warn about missing Twilio/OpenAI credentials and ignored legacy settings."""
    problems = []
    if not settings.TWILIO_AUTH_TOKEN:
        problems.append(
            Warning(
                "TWILIO_AUTH_TOKEN is not set: /twilio/* endpoints answer 503, no call is taken.",
                id="calls.W001",
            )
        )
    if not settings.OPENAI_API_KEY:
        problems.append(
            Warning(
                "OPENAI_API_KEY is not set: calls cannot reach the AI and get the apology message.",
                id="calls.W002",
            )
        )
    if settings.OPENAI_RESPONSE_FORMAT:
        problems.append(
            Warning(
                "OPENAI_RESPONSE_FORMAT is ignored: Twilio plays only mu-law; "
                "use OPENAI_AUDIO_FORMAT (pcmu or pcm16).",
                id="calls.W003",
            )
        )
    return problems


@register()
def model_retirement_check(app_configs, **kwargs):
    """Warn when the default or a profile's model is retired or shuts down within 30 days."""
    return [
        Warning(
            notice.describe(),
            hint="Choose a supported model on the profile page (admin → agent profiles) "
            "or change OPENAI_REALTIME_MODEL; see README, troubleshooting.",
            id="calls.W004",
        )
        for notice in retirement.notices()
    ]
