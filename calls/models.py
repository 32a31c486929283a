"""The call log: calls, what was said in them, and what happened during them."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CallStatus(models.TextChoices):
    """Where a call is in its life."""

    RINGING = "ringing", _("ringing")
    IN_PROGRESS = "in_progress", _("in progress")
    COMPLETED = "completed", _("completed")
    FAILED = "failed", _("failed")
    BUSY = "busy", _("busy")
    NO_ANSWER = "no_answer", _("no answer")
    CANCELED = "canceled", _("canceled")


LIVE_STATUSES = (CallStatus.RINGING, CallStatus.IN_PROGRESS)


class EndReason(models.TextChoices):
    """Why a call ended; /twilio/connect-action answers from this."""

    CALLER_HANGUP = "caller_hangup", _("caller hung up")
    AGENT_HANGUP = "agent_hangup", _("agent ended the call")
    CALLER_IDLE = "caller_idle", _("caller stayed silent")
    SUPERVISOR_HANGUP = "supervisor_hangup", _("supervisor hung up")
    TRANSFERRED = "transferred", _("transferred to a human")
    AI_UNAVAILABLE = "ai_unavailable", _("AI unavailable")
    STREAM_REFUSED = "stream_refused", _("media stream refused")
    SHUTDOWN = "shutdown", _("server shutting down")
    SERVER_LOST = "server_lost", _("server process lost")
    ERROR = "error", _("error")


class Sentiment(models.TextChoices):
    """How the caller sounded, as the post-call summary judged it (stored in Korean)."""

    POSITIVE = "긍정", _("positive")
    NEUTRAL = "중립", _("neutral")
    NEGATIVE = "부정", _("negative")


NO_SUMMARY = "요약 없음"


class Call(models.Model):
    """One phone call answered by the agent."""

    call_sid = models.CharField(_("call SID"), max_length=64, unique=True)
    account_sid = models.CharField(_("account SID"), max_length=64, blank=True)
    stream_sid = models.CharField(_("stream SID"), max_length=64, blank=True)
    from_number = models.CharField(_("caller number"), max_length=32, blank=True, db_index=True)
    to_number = models.CharField(_("dialled number"), max_length=32, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CallStatus.choices, default=CallStatus.RINGING
    )
    end_reason = models.CharField(
        _("end reason"), max_length=30, choices=EndReason.choices, blank=True, db_index=True
    )
    profile = models.ForeignKey(
        "prompts.AgentProfile",
        verbose_name=_("profile"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
    )
    prompt_version = models.ForeignKey(
        "prompts.PromptVersion",
        verbose_name=_("prompt version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="calls",
    )
    config = models.JSONField(_("frozen configuration"), default=dict, blank=True)
    session_config = models.JSONField(_("session sent to OpenAI"), default=dict, blank=True)
    stream_token_hash = models.CharField(max_length=64, blank=True)
    stream_token_used = models.BooleanField(default=False)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    answered_at = models.DateTimeField(_("stream connected"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (s)"), null=True, blank=True)
    turns = models.PositiveIntegerField(_("agent turns"), default=0)
    interruptions = models.PositiveIntegerField(_("interruptions"), default=0)
    last_response_latency_ms = models.PositiveIntegerField(
        _("last response latency (ms)"), null=True, blank=True
    )
    avg_response_latency_ms = models.PositiveIntegerField(
        _("average response latency (ms)"), null=True, blank=True
    )
    input_tokens = models.PositiveIntegerField(_("input tokens"), default=0)
    output_tokens = models.PositiveIntegerField(_("output tokens"), default=0)
    protocol_errors = models.PositiveIntegerField(_("protocol errors"), default=0)
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    recording = models.CharField(_("recording file"), max_length=255, blank=True)
    caller_hash = models.CharField(
        _("caller key"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("Keyed hash of the caller number, kept after the number itself is purged."),
    )
    data_purged_at = models.DateTimeField(
        _("call data purged"),
        null=True,
        blank=True,
        help_text=_("When transcripts, events and the caller number were deleted."),
    )
    summary = models.TextField(_("summary"), blank=True)
    category = models.CharField(_("category"), max_length=50, blank=True)
    resolved = models.BooleanField(_("resolved"), null=True, blank=True)
    sentiment = models.CharField(
        _("sentiment"), max_length=4, choices=Sentiment.choices, blank=True
    )
    usage = models.JSONField(_("token usage"), default=dict, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=6, null=True, blank=True)
    cost_currency = models.CharField(_("cost currency"), max_length=3, blank=True)
    # The process holding the live call (host:boot-id:pid:start-ticks) and its last heartbeat:
    # calls of a process that is gone are finalised as server_lost (calls/operations/lost_calls).
    owner = models.CharField(_("held by process"), max_length=160, blank=True, db_index=True)
    owner_seen_at = models.DateTimeField(_("holder last seen"), null=True, blank=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["status", "started_at"], name="call_status_started"),
            models.Index(fields=["-started_at"], name="call_started_desc"),
            models.Index(fields=["profile", "started_at"], name="call_profile_started"),
        ]
        permissions = [
            ("control_call", _("Can hang up, transfer and coach live calls")),
            ("listen_recording", _("Can listen to call recordings")),
            ("view_unredacted", _("Can read unredacted transcripts (every read is logged)")),
            ("listen_call", _("Can listen to live calls")),
            ("take_over_call", _("Can take a live call over from the AI and hand it back")),
        ]

    def __str__(self):
        return self.call_sid

    @property
    def is_live(self) -> bool:
        """Whether the call has not ended yet."""
        return self.status in LIVE_STATUSES


class Speaker(models.TextChoices):
    """Who said an utterance."""

    CALLER = "caller", _("caller")
    AGENT = "agent", _("agent")
    SYSTEM = "system", _("system")
    SUPERVISOR = "supervisor", _("supervisor")


class Utterance(models.Model):
    """One turn of speech in a call, with its timing."""

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="utterances", verbose_name=_("call")
    )
    speaker = models.CharField(_("speaker"), max_length=12, choices=Speaker.choices)
    text = models.TextField(_("text"), help_text=_("Personal data masked."))
    unredacted_text = models.TextField(
        _("unredacted text"),
        blank=True,
        help_text=_("Only when the profile keeps unredacted transcripts."),
    )
    heard_text = models.TextField(
        _("heard by the caller"), blank=True, help_text=_("Set when the caller interrupted.")
    )
    interrupted = models.BooleanField(_("interrupted"), default=False)
    item_id = models.CharField(max_length=64, blank=True)
    started_ms = models.PositiveIntegerField(_("start (ms into the call)"), null=True, blank=True)
    ended_ms = models.PositiveIntegerField(_("end (ms into the call)"), null=True, blank=True)
    generated_ms = models.PositiveIntegerField(_("audio generated (ms)"), null=True, blank=True)
    played_ms = models.PositiveIntegerField(_("audio played (ms)"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("response latency (ms)"), null=True, blank=True)
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("utterance")
        verbose_name_plural = _("utterances")
        ordering = ["call", "started_ms", "id"]
        indexes = [
            models.Index(fields=["call", "started_ms"], name="utterance_call_start"),
            # The wallboard's latency percentiles: agent turns with a latency, by time.
            models.Index(
                fields=["created_at"],
                include=["latency_ms"],
                condition=models.Q(speaker="agent", latency_ms__isnull=False),
                name="utterance_agent_latency",
            ),
        ]

    def __str__(self):
        return f"{self.speaker}: {self.text[:40]}"


class CallEvent(models.Model):
    """Something that happened in a call: a key press, a tool call, a reconnect, an error."""

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="events", verbose_name=_("call")
    )
    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    at = models.DateTimeField(_("time"), default=timezone.now)
    offset_ms = models.PositiveIntegerField(_("ms into the call"), null=True, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )

    class Meta:
        verbose_name = _("call event")
        verbose_name_plural = _("call events")
        ordering = ["call", "at", "id"]
        indexes = [models.Index(fields=["call", "at"], name="event_call_at")]

    def __str__(self):
        return f"{self.kind} @ {self.at:%H:%M:%S}"


class Kpi(models.TextChoices):
    """The wallboard's figures that can be coloured by a threshold."""

    CALLS = "calls", _("calls")
    LIVE = "live", _("live now")
    CONTAINMENT_RATE = "containment_rate", _("AI containment rate (%)")
    TRANSFER_RATE = "transfer_rate", _("transfer rate (%)")
    AVG_HANDLE_SECONDS = "avg_handle_seconds", _("average handle time (s)")
    LATENCY_P50_MS = "latency_p50_ms", _("response latency p50 (ms)")
    LATENCY_P95_MS = "latency_p95_ms", _("response latency p95 (ms)")
    BARGE_IN_RATE = "barge_in_rate", _("barge-in rate (%)")
    FAILURES = "failures", _("failures")
    COST = "cost", _("cost")


class KpiThreshold(models.Model):
    """When a wallboard tile turns amber or red; staff edit these in the admin."""

    kpi = models.CharField(_("figure"), max_length=30, choices=Kpi.choices, unique=True)
    higher_is_worse = models.BooleanField(
        _("higher is worse"),
        default=True,
        help_text=_("Off for figures where a low value is the problem (containment rate)."),
    )
    warning_at = models.FloatField(_("amber from"), null=True, blank=True)
    alert_at = models.FloatField(_("red from"), null=True, blank=True)

    class Meta:
        verbose_name = _("wallboard threshold")
        verbose_name_plural = _("wallboard thresholds")
        ordering = ["kpi"]

    def __str__(self):
        return self.get_kpi_display()

    def as_dict(self) -> dict:
        """Plain values for the page script."""
        return {
            "higher_is_worse": self.higher_is_worse,
            "warning_at": self.warning_at,
            "alert_at": self.alert_at,
        }


class ApiToken(models.Model):
    """A bearer token for the JSON API; only its SHA-256 hash is stored."""

    name = models.CharField(_("name"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
        help_text=_("The API sees what this staff member sees (full numbers only for superusers)."),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("token prefix"), max_length=8, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_token(raw: str) -> str:
        """The stored form of a token."""
        return hashlib.sha256(raw.encode()).hexdigest()

    def issue(self) -> str:
        """Mint a new secret for this token, store its hash and return it (shown once)."""
        raw = secrets.token_urlsafe(32)
        self.token_hash = self.hash_token(raw)
        self.prefix = raw[:8]
        return raw


from calls.compliance.models import AccessLogEntry, ForgetRequest  # noqa: E402, F401
