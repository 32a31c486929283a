"""App configuration for agent profiles and prompts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromptsConfig(AppConfig):
    """Agent profiles, prompt versions and VAD settings."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "prompts"
    verbose_name = _("Agent prompts")
