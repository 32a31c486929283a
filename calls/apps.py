"""App configuration for the call log, the media bridge and live monitoring."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    """Calls: Twilio webhooks, the media-stream bridge, the call log and monitoring."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "calls"
    verbose_name = _("Calls")

    def ready(self):
        """Register the start-up checks and the recording clean-up on call deletion."""
        from calls.operations import checks  # noqa: F401
        from calls.records import recording_cleanup  # noqa: F401
