"""Start-up checks: a server without credentials starts, and says plainly what it cannot do."""

from django.conf import settings
from django.core.checks import Warning, register


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
