"""Compliance records: the append-only access log and the audit of deletion requests."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an append-only record."""


class AccessAction(models.TextChoices):
    """What someone did with a call's personal data."""

    VIEW_CALL = "view_call", _("viewed a call page")
    VIEW_TRANSCRIPT = "view_transcript", _("viewed a transcript in the admin")
    WATCH_LIVE = "watch_live", _("watched a live call")
    PLAY_RECORDING = "play_recording", _("played a recording")
    API_DETAIL = "api_detail", _("read a call through the API")
    API_LIST = "api_list", _("listed calls through the API")
    VIEW_UNREDACTED = "view_unredacted", _("read an unredacted transcript")
    EXPORT = "export", _("exported data")
    SUPERVISOR_ACTION = "supervisor_action", _("supervisor action")
    FORGET_CALLER = "forget_caller", _("deleted a caller's data on request")


class AppendOnlyQuerySet(models.QuerySet):
    """A queryset that adds rows but never changes or deletes them (but for retention)."""

    def update(self, **kwargs):
        """Refused: the log is append-only."""
        raise AppendOnlyError("access log entries cannot be changed")

    def delete(self):
        """Refused: only the retention purge deletes entries."""
        raise AppendOnlyError("access log entries are deleted only by the retention purge")

    def purge_before(self, cutoff, batch_size: int = 1000) -> int:
        """Delete entries older than `cutoff` in batches (retention purge); returns the count."""
        deleted = 0
        while True:
            ids = list(self.filter(at__lt=cutoff).values_list("pk", flat=True)[:batch_size])
            if not ids:
                return deleted
            count, _ = models.QuerySet.delete(self.model.objects.filter(pk__in=ids))
            deleted += count


class AccessLogEntry(models.Model):
    """One access to a call's personal data: who, when, which call, what, from where."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,  # the log keeps the id and name after the user is gone
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=30, choices=AccessAction.choices)
    call_sid = models.CharField(_("call SID"), max_length=64, blank=True, db_index=True)
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.call_sid}"

    def save(self, *args, **kwargs):
        """Add a new entry; refuse to change a saved one."""
        if not self._state.adding:
            raise AppendOnlyError("access log entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        """Refused: only the retention purge deletes entries."""
        raise AppendOnlyError("access log entries are deleted only by the retention purge")


class ForgetRequest(models.Model):
    """Audit of one deletion request (정보주체 요청): who, when, how much; no number in clear."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("by (name)"), max_length=150, blank=True)
    via = models.CharField(_("through"), max_length=20)
    number_hash = models.CharField(_("caller key"), max_length=64, db_index=True)
    calls = models.PositiveIntegerField(_("calls"))
    utterances = models.PositiveIntegerField(_("utterances deleted"))
    events = models.PositiveIntegerField(_("events deleted"))
    recordings = models.PositiveIntegerField(_("recordings deleted"))

    class Meta:
        verbose_name = _("deletion request")
        verbose_name_plural = _("deletion requests")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name}: {self.calls}"
