"""VAD settings per profile: validated ranges that mirror OpenAI's server_vad / semantic_vad."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class VadSettings(models.Model):
    """Turn detection for a profile, mirroring OpenAI's audio.input.turn_detection."""

    SERVER_VAD = "server_vad"
    SEMANTIC_VAD = "semantic_vad"
    NONE = "none"
    TYPES = [
        (SERVER_VAD, _("Server VAD (silence-based)")),
        (SEMANTIC_VAD, _("Semantic VAD (meaning-based)")),
        (NONE, _("Off")),
    ]
    EAGERNESS = [
        ("low", _("low")),
        ("medium", _("medium")),
        ("high", _("high")),
        ("auto", _("auto")),
    ]
    NOISE_REDUCTION = [
        ("none", _("off")),
        ("near_field", _("near field (handset, headset)")),
        ("far_field", _("far field (speakerphone)")),
    ]

    profile = models.OneToOneField(
        "prompts.AgentProfile",
        on_delete=models.CASCADE,
        related_name="vad",
        verbose_name=_("profile"),
    )
    turn_detection_type = models.CharField(
        _("turn detection"), max_length=20, choices=TYPES, default=SERVER_VAD
    )
    threshold = models.FloatField(
        _("threshold"),
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("0.0–1.0; higher needs louder speech (server VAD)."),
    )
    prefix_padding_ms = models.PositiveIntegerField(
        _("prefix padding (ms)"),
        default=300,
        validators=[MinValueValidator(0), MaxValueValidator(2000)],
    )
    silence_duration_ms = models.PositiveIntegerField(
        _("silence duration (ms)"),
        default=700,
        validators=[MinValueValidator(100), MaxValueValidator(5000)],
        help_text=_("How long the caller must be silent before the turn ends (server VAD)."),
    )
    eagerness = models.CharField(_("eagerness"), max_length=10, choices=EAGERNESS, default="auto")
    interrupt_response = models.BooleanField(
        _("caller can interrupt"),
        default=True,
        help_text=_("The caller's speech stops the agent (barge-in)."),
    )
    create_response = models.BooleanField(
        _("answer automatically"),
        default=True,
        help_text=_("The agent answers as soon as the caller's turn ends."),
    )
    idle_timeout_ms = models.PositiveIntegerField(
        _("idle timeout (ms)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(5000), MaxValueValidator(30000)],
        help_text=_("Empty, or 5000–30000: the agent prompts a silent caller (server VAD)."),
    )
    noise_reduction = models.CharField(
        _("noise reduction"), max_length=20, choices=NOISE_REDUCTION, default="near_field"
    )

    class Meta:
        verbose_name = _("VAD settings")
        verbose_name_plural = _("VAD settings")

    def __str__(self):
        return f"{self.profile.name}: {self.turn_detection_type}"

    def save(self, *args, **kwargs):
        """Validate ranges on every save, not only in forms: OpenAI rejects bad values mid-call."""
        self.full_clean(exclude=["profile"])
        super().save(*args, **kwargs)

    def clean(self):
        """Reject combinations OpenAI does not accept."""
        if self.idle_timeout_ms is not None and self.turn_detection_type != self.SERVER_VAD:
            raise ValidationError(
                {"idle_timeout_ms": _("The idle timeout works only with server VAD.")}
            )

    def as_snapshot(self) -> dict:
        """Plain values frozen onto a call."""
        return {
            "type": self.turn_detection_type,
            "threshold": self.threshold,
            "prefix_padding_ms": self.prefix_padding_ms,
            "silence_duration_ms": self.silence_duration_ms,
            "eagerness": self.eagerness,
            "interrupt_response": self.interrupt_response,
            "create_response": self.create_response,
            "idle_timeout_ms": self.idle_timeout_ms,
            "noise_reduction": self.noise_reduction,
        }
