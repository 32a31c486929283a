"""Agent profiles, their immutable prompt versions and their voice-activity-detection settings."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from calls.compliance.notice import (
    DEFAULT_AI_NOTICE,
    DEFAULT_NOTICE_VOICE,
    DEFAULT_RECORDING_NOTICE,
)
from prompts import model_catalog as catalog
from prompts.validators import (
    validate_custom_voice_id,
    validate_extra_languages,
    validate_keywords,
    validate_realtime_model,
    validate_transcription_model,
)

E164_VALIDATOR = RegexValidator(
    r"^\+[1-9]\d{6,14}$", _("Enter the number in E.164 form, for example +8215881234.")
)
VOICES = catalog.BUILT_IN_VOICES
EFFORTS = [(effort, effort) for effort in catalog.EFFORTS]
DTMF_DIGITS = [(d, d) for d in "0123456789*#"]
DEFAULT_CALL_CATEGORIES = ["배송", "주문 변경", "환불", "불만", "상담원 연결 요청", "기타"]


def default_categories_text() -> str:
    """The default category list, one per line (a callable default keeps migrations stable)."""
    return "\n".join(DEFAULT_CALL_CATEGORIES)


def split_categories(text: str) -> list[str]:
    """Categories from one-per-line text, stripped, without blanks or repeats."""
    seen: dict[str, None] = {}
    for line in (text or "").splitlines():
        if line.strip():
            seen.setdefault(line.strip()[:50], None)
    return list(seen)


class ImmutableVersionError(Exception):
    """Raised when code tries to change a prompt version that is already saved."""


class AgentProfile(models.Model):
    """One agent persona: the numbers it answers, its active prompt and its VAD settings."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_default = models.BooleanField(
        _("default profile"),
        default=False,
        help_text=_("Answers every number that no other profile claims."),
    )
    active_version = models.ForeignKey(
        "PromptVersion",
        verbose_name=_("active prompt version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    transfer_digit = models.CharField(
        _("transfer digit"),
        max_length=1,
        blank=True,
        default="0",
        choices=DTMF_DIGITS,
        help_text=_("Pressing this key transfers the caller to a human agent. Empty: no key."),
    )
    record_calls = models.BooleanField(_("record calls"), default=False)
    recording_retention_days = models.PositiveIntegerField(
        _("recording retention (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
    )
    ai_notice_enabled = models.BooleanField(
        _("speak the AI notice"),
        default=True,
        help_text=_(
            "The Framework Act on Artificial Intelligence (인공지능 기본법) requires telling "
            "callers in advance that a generative AI answers them. Switch this off only if you "
            "give that notice another way."
        ),
    )
    ai_notice_text = models.TextField(
        _("AI notice"),
        default=DEFAULT_AI_NOTICE,
        help_text=_("Spoken verbatim before the agent says anything."),
    )
    recording_notice_text = models.TextField(
        _("recording notice"),
        default=DEFAULT_RECORDING_NOTICE,
        blank=True,
        help_text=_("Spoken after the AI notice when calls are recorded: that and why."),
    )
    notice_voice = models.CharField(
        _("notice voice"),
        max_length=60,
        default=DEFAULT_NOTICE_VOICE,
        blank=True,
        help_text=_("Twilio <Say> voice, e.g. Polly.Seoyeon or Google.ko-KR-Standard-A."),
    )
    call_data_retention_days = models.PositiveIntegerField(
        _("call data retention (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_(
            "Transcripts and events are deleted and the caller number is replaced by a keyed "
            "hash after this many days (manage.py purge_call_data)."
        ),
    )
    keep_unredacted_text = models.BooleanField(
        _("keep unredacted transcripts"),
        default=False,
        help_text=_(
            "Also store what was said before personal data was masked; readable only with the "
            "'view unredacted transcripts' permission, and every read is logged."
        ),
    )
    redact_phone = models.BooleanField(_("mask phone numbers"), default=True)
    redact_rrn = models.BooleanField(_("mask resident registration numbers"), default=True)
    redact_card = models.BooleanField(_("mask card numbers"), default=True)
    redact_account = models.BooleanField(_("mask bank account numbers"), default=True)
    redact_email = models.BooleanField(_("mask e-mail addresses"), default=True)
    redact_caller_number = models.BooleanField(_("mask the caller's own number"), default=True)
    realtime_model = models.CharField(
        _("Realtime model"),
        max_length=64,
        blank=True,
        default="",
        validators=[validate_realtime_model],
        help_text=_("Empty: the server default, OPENAI_REALTIME_MODEL."),
    )
    reasoning_effort = models.CharField(
        _("reasoning effort"),
        max_length=10,
        choices=EFFORTS,
        default=catalog.DEFAULT_REASONING_EFFORT,
        help_text=_(
            "Only for reasoning models (the gpt-realtime-2 family). "
            "Higher effort makes the caller wait longer."
        ),
    )
    transcription_model = models.CharField(
        _("transcription model"),
        max_length=64,
        default=catalog.DEFAULT_TRANSCRIPTION_MODEL,
        validators=[validate_transcription_model],
    )
    transcription_delay = models.CharField(
        _("transcription delay"),
        max_length=10,
        choices=EFFORTS,
        default=catalog.DEFAULT_TRANSCRIPTION_DELAY,
        help_text=_("Only for gpt-realtime-whisper: higher is more accurate but later."),
    )
    extra_languages = models.CharField(
        _("extra languages"),
        max_length=40,
        blank=True,
        validators=[validate_extra_languages],
        help_text=_(
            "The prompt's transcription language (Korean) is always sent; "
            "add others such as en, ja (gpt-transcribe, gpt-live-transcribe)."
        ),
    )
    keywords = models.TextField(
        _("recognition keywords"),
        blank=True,
        validators=[validate_keywords],
        help_text=_(
            "One per line: product names, branch names, brand words "
            "(gpt-transcribe, gpt-live-transcribe)."
        ),
    )
    truncation_retention_ratio = models.FloatField(
        _("context retention ratio"),
        default=0.8,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_(
            "0.0–1.0: on a long call, how much of the conversation is kept when old turns are "
            "dropped. Dropping in larger steps keeps cached input tokens cached."
        ),
    )
    idle_reprompts = models.PositiveSmallIntegerField(
        _("idle re-prompts"),
        default=2,
        validators=[MaxValueValidator(5)],
        help_text=_(
            "How many times the agent asks a silent caller whether they are still there "
            "before saying goodbye (needs an idle timeout in the VAD settings)."
        ),
    )
    summarize_calls = models.BooleanField(
        _("summarize calls"),
        default=True,
        help_text=_("After each call the agent writes a short summary, category and sentiment."),
    )
    call_categories = models.TextField(
        _("call categories"),
        default=default_categories_text,
        help_text=_("One per line; the post-call summary files each call under one of them."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("agent profile")
        verbose_name_plural = _("agent profiles")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_profile",
                violation_error_message=_("Only one profile can be the default."),
            )
        ]

    def __str__(self):
        return self.name

    def effective_realtime_model(self) -> str:
        """The Realtime model calls use: the profile's, else the server default."""
        return self.realtime_model or settings.OPENAI_REALTIME_MODEL

    def category_list(self) -> list[str]:
        """The categories as a list, blank lines and repeats dropped, in the staff's order."""
        return split_categories(self.call_categories)

    def redaction_categories(self) -> tuple[str, ...]:
        """The personal-data categories masked in this profile's transcripts and events."""
        return tuple(name for name in REDACTION_SWITCHES if getattr(self, f"redact_{name}"))


REDACTION_SWITCHES = ("phone", "rrn", "card", "account", "email", "caller_number")


class AnsweredNumber(models.Model):
    """A dialled number (E.164) that routes calls to one profile."""

    profile = models.ForeignKey(
        AgentProfile, on_delete=models.CASCADE, related_name="numbers", verbose_name=_("profile")
    )
    number = models.CharField(
        _("phone number"), max_length=16, unique=True, validators=[E164_VALIDATOR]
    )

    class Meta:
        verbose_name = _("answered number")
        verbose_name_plural = _("answered numbers")

    def __str__(self):
        return self.number


class PromptVersion(models.Model):
    """One saved prompt of a profile; never changed once saved, so calls can point at it."""

    profile = models.ForeignKey(
        AgentProfile, on_delete=models.CASCADE, related_name="versions", verbose_name=_("profile")
    )
    number = models.PositiveIntegerField(_("version"))
    instructions = models.TextField(_("instructions (system prompt)"))
    greeting = models.TextField(_("greeting"), help_text=_("What the agent says first."))
    voice = models.CharField(
        _("voice"), max_length=20, default="alloy", choices=[(v, v) for v in VOICES]
    )
    custom_voice_id = models.CharField(
        _("custom voice id"),
        max_length=120,
        blank=True,
        validators=[validate_custom_voice_id],
        help_text=_("Optional: a custom voice (voice_…) used instead of the built-in voice."),
    )
    transcription_language = models.CharField(
        _("transcription language"),
        max_length=5,
        default="ko",
        validators=[RegexValidator(r"^[a-z]{2}$", _("Use a two-letter ISO-639-1 code."))],
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("author"),
    )
    note = models.CharField(_("change note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("prompt version")
        verbose_name_plural = _("prompt versions")
        ordering = ["profile", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "number"], name="unique_version_number")
        ]

    def __str__(self):
        return f"{self.profile.name} v{self.number}"

    def save(self, *args, **kwargs):
        """Save a new version; refuse to overwrite an existing one."""
        if not self._state.adding:
            raise ImmutableVersionError(f"{self} is saved and cannot change; save a new version.")
        if not self.number:
            last = PromptVersion.objects.filter(profile=self.profile).order_by("-number").first()
            self.number = (last.number + 1) if last else 1
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        """Refuse deletion: calls and history refer to versions."""
        raise ImmutableVersionError(f"{self} is part of the history and cannot be deleted.")

    @property
    def is_active(self):
        """Whether this version is the one its profile uses now."""
        return self.profile.active_version_id == self.pk


from prompts.tool_models import BusinessTool  # noqa: E402, F401  (models of this app)
from prompts.vad_models import VadSettings  # noqa: E402, F401
