"""Business tools staff connect to the agent: HTTP functions the agent may call mid-call."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from prompts import tool_spec
from prompts.tool_spec import ToolRuleError, ToolSpec


def empty_object_schema() -> dict:
    """A schema for a tool that takes no arguments."""
    return {"type": "object", "properties": {}, "required": []}


class BusinessTool(models.Model):
    """One HTTP request the agent can make: GET or POST to an allowed host, JSON back."""

    METHODS = [("GET", "GET"), ("POST", "POST")]

    profile = models.ForeignKey(
        "prompts.AgentProfile",
        on_delete=models.CASCADE,
        related_name="tools",
        verbose_name=_("profile"),
    )
    name = models.CharField(
        _("name"), max_length=64, help_text=_("What the model calls, e.g. lookup_order.")
    )
    label = models.CharField(
        _("label"), max_length=60, blank=True, help_text=_("Shown to supervisors, e.g. 배송 조회.")
    )
    description = models.TextField(
        _("description"), help_text=_("Tells the model, in Korean, when to use the tool.")
    )
    parameters = models.JSONField(_("parameters (JSON Schema)"), default=empty_object_schema)
    method = models.CharField(_("HTTP method"), max_length=4, choices=METHODS, default="GET")
    url = models.CharField(
        _("URL template"),
        max_length=500,
        help_text=_("Names in braces are filled from the arguments, URL-encoded."),
    )
    headers = models.JSONField(
        _("headers"),
        default=dict,
        blank=True,
        help_text=_("Secrets as ${ENV_NAME} references only; the values stay in the environment."),
    )
    timeout_ms = models.PositiveIntegerField(
        _("timeout (ms)"), default=tool_spec.DEFAULT_TIMEOUT_MS
    )
    filler = models.CharField(
        _("filler sentence"),
        max_length=200,
        blank=True,
        help_text=_("Said when the answer is slow; empty: the default sentence."),
    )
    filler_delay_ms = models.PositiveIntegerField(
        _("filler delay (ms)"), default=tool_spec.DEFAULT_FILLER_DELAY_MS
    )
    max_response_bytes = models.PositiveIntegerField(
        _("response size cap (bytes)"), default=tool_spec.DEFAULT_MAX_RESPONSE_BYTES
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    test_arguments = models.JSONField(_("test arguments"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("business tool")
        verbose_name_plural = _("business tools")
        ordering = ("profile", "name")
        constraints = [
            models.UniqueConstraint(fields=("profile", "name"), name="unique_tool_name_in_profile")
        ]

    def __str__(self):
        return self.label or self.name

    def spec(self) -> ToolSpec:
        """The tool as a call freezes it."""
        return ToolSpec(
            name=self.name,
            description=self.description,
            parameters=self.parameters,
            method=self.method,
            url=self.url,
            headers=dict(self.headers or {}),
            label=self.label,
            timeout_ms=self.timeout_ms,
            filler=self.filler,
            filler_delay_ms=self.filler_delay_ms,
            max_response_bytes=self.max_response_bytes,
        )

    def clean(self):
        """Every rule of prompts.tool_spec, each error shown on its field, in Korean."""
        checks = [
            ("name", lambda: tool_spec.check_name(self.name)),
            ("parameters", lambda: tool_spec.check_schema(self.parameters)),
            ("headers", lambda: tool_spec.check_headers(self.headers)),
            (
                "timeout_ms",
                lambda: tool_spec.check_limits(
                    self.timeout_ms, self.filler_delay_ms, self.max_response_bytes
                ),
            ),
        ]
        errors = {}
        for field_name, check in checks:
            try:
                check()
            except ToolRuleError as error:
                errors[field_name] = str(error)
        if "parameters" not in errors:
            try:
                tool_spec.check_url(
                    self.url, self.parameters, settings.TOOL_ALLOWED_HOSTS, settings.IS_PRODUCTION
                )
            except ToolRuleError as error:
                errors["url"] = str(error)
        if "name" not in errors and self.profile_id:
            clash = BusinessTool.objects.filter(profile_id=self.profile_id, name=self.name)
            if clash.exclude(pk=self.pk).exists():
                errors["name"] = "이 프로필에 같은 이름의 도구가 이미 있습니다."
        if errors:
            raise ValidationError(errors)
