"""Admin for business tools: edit them per profile, and try one with its test arguments."""

from __future__ import annotations

import json

from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from calls.live import http_tool
from prompts.tool_models import BusinessTool


async def try_tool(tool: BusinessTool) -> http_tool.ToolOutcome:
    """Run a tool once with its test arguments, under the same rules as a call."""
    hosts = list(settings.TOOL_ALLOWED_HOSTS)
    async with http_tool.open_session(hosts) as session:
        return await http_tool.run_tool(
            tool.spec(), dict(tool.test_arguments or {}), session, hosts, settings.IS_PRODUCTION
        )


def tools_summary(profile) -> str:
    """HTML list of a profile's tools (linked), with an 'add' link, for the profile page."""
    if profile.pk is None:
        return "—"
    items = format_html_join(
        "",
        '<li><a href="{}">{}</a> <code>{}</code> {}</li>',
        (
            (
                reverse("admin:prompts_businesstool_change", args=[tool.pk]),
                tool.label or tool.name,
                tool.name,
                "" if tool.enabled else _("(disabled)"),
            )
            for tool in profile.tools.order_by("name")
        ),
    )
    add_url = reverse("admin:prompts_businesstool_add") + f"?profile={profile.pk}"
    return format_html(
        '<ul class="tools-list">{}</ul><a href="{}">{}</a>', items, add_url, _("Add a tool")
    )


@admin.register(BusinessTool)
class BusinessToolAdmin(admin.ModelAdmin):
    """Business tools: the HTTP requests the agent may make during a call."""

    list_display = ("name", "label", "profile", "method", "enabled", "updated_at")
    list_filter = ("profile", "enabled", "method")
    list_select_related = ("profile",)
    search_fields = ("name", "label", "description")
    actions = ["try_selected"]
    fieldsets = (
        (None, {"fields": ("profile", "name", "label", "description", "enabled")}),
        (_("Request"), {"fields": ("method", "url", "headers", "parameters", "timeout_ms")}),
        (
            _("While the caller waits"),
            {"fields": ("filler", "filler_delay_ms", "max_response_bytes")},
        ),
        (_("Trying it"), {"fields": ("test_arguments",)}),
    )

    @admin.action(description=_("Try this tool"))
    def try_selected(self, request, queryset):
        """Send each selected tool's request with its test arguments and show what came back."""
        tools = list(queryset.select_related("profile")[:5])
        results = []
        for tool in tools:
            outcome = async_to_sync(try_tool)(tool)
            results.append(
                {
                    "tool": tool,
                    "arguments": json.dumps(tool.test_arguments, ensure_ascii=False),
                    "outcome": outcome,
                    "output": json.dumps(outcome.output, ensure_ascii=False, indent=2),
                }
            )
        if not results:
            self.message_user(request, _("Select a tool to try."), messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Tool test results"),
            "results": results,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/prompts/tool_test.html", context)
