"""Admin for the call log, built for large tables: no full counts, selected relations, read-only."""

from django.contrib import admin, messages
from django.db.models import Q, Value
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from arsproject.login_throttle import ThrottledLoginForm
from calls.compliance.access_log import record_request
from calls.compliance.admin import forget_selected_callers
from calls.compliance.models import AccessAction
from calls.models import ApiToken, Call, CallEvent, KpiThreshold, Utterance
from calls.monitoring.call_data import can_see_numbers, mask_number
from calls.monitoring.dashboard_views import socket_context
from calls.monitoring.history_filters import caller_number_match
from calls.templatetags.call_format import mmss


class ReadOnlyInline(admin.TabularInline):
    """An inline that shows rows and never edits them."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        """The log is written by calls, not by staff."""
        return False

    def has_change_permission(self, request, obj=None):
        """Read-only."""
        return False


class UtteranceInline(ReadOnlyInline):
    """The transcript of a call."""

    model = Utterance
    fields = ("started_ms", "speaker", "text", "interrupted", "heard_text", "latency_ms")
    readonly_fields = fields


class CallEventInline(ReadOnlyInline):
    """The timeline of a call."""

    model = CallEvent
    fields = ("at", "offset_ms", "kind", "data", "actor")
    readonly_fields = fields


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    """The call log."""

    list_display = (
        "call_sid",
        "live_link",
        "caller",
        "to_number",
        "profile",
        "status",
        "end_reason",
        "started_at",
        "duration",
        "category",
        "interruptions",
    )
    list_filter = (
        "status",
        "end_reason",
        "resolved",
        "sentiment",
        ("started_at", admin.DateFieldListFilter),
        "profile",
    )
    search_fields = ("=call_sid", "from_number", "to_number")
    list_select_related = ("profile",)
    show_full_result_count = False
    date_hierarchy = "started_at"
    list_per_page = 50
    raw_id_fields = ("profile", "prompt_version")
    inlines = [UtteranceInline, CallEventInline]
    exclude = ("stream_token_hash",)
    actions = [forget_selected_callers]

    def get_readonly_fields(self, request, obj=None):
        """Every field is read-only: the log records what happened."""
        return [f.name for f in self.model._meta.fields if f.name != "stream_token_hash"] + [
            "caller"
        ]

    def get_fields(self, request, obj=None):
        """The record's fields, the caller's number masked for viewers who are not superusers."""
        fields = super().get_fields(request, obj)
        return ["caller" if name == "from_number" else name for name in fields if name != "caller"]

    def get_queryset(self, request):
        """The calls, each told whether this viewer sees full numbers (for the caller column)."""
        reveal = can_see_numbers(request.user)
        return super().get_queryset(request).annotate(viewer_sees_numbers=Value(reveal))

    def get_search_results(self, request, queryset, search_term):
        """Match the SID exactly, the dialled number in part, and the caller's number as the
        masking rule allows: any part for superusers, else the whole number or the last four."""
        text = search_term.strip()
        if not text:
            return queryset, False
        reveal = can_see_numbers(request.user)
        matches = Q(call_sid=text) | Q(to_number__contains=text) | caller_number_match(text, reveal)
        return queryset.filter(matches), False

    @admin.display(description=_("caller number"), ordering="from_number")
    def caller(self, obj):
        """The caller's number, masked but for the last four digits unless a superuser looks."""
        return mask_number(obj.from_number, getattr(obj, "viewer_sees_numbers", False))

    def has_add_permission(self, request):
        """Calls come from Twilio, not from the admin."""
        return False

    @admin.display(description=_("Duration"), ordering="duration_seconds")
    def duration(self, obj):
        """The call's length as m:ss."""
        return mmss(obj.duration_seconds)

    @admin.display(description=_("live"))
    def live_link(self, obj):
        """For a call in progress, a link to its live page."""
        if not obj.is_live:
            return ""
        url = reverse("dashboard-call", args=[obj.call_sid])
        return format_html('<a class="live-call" href="{}">● {}</a>', url, _("Watch live"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Give the page what its live transcript needs; the view goes into the access log."""
        response = super().change_view(
            request, object_id, form_url, socket_context(**(extra_context or {}))
        )
        if response.status_code == 200 and request.method == "GET":
            call = self.get_object(request, object_id)
            if call is not None:
                record_request(request, AccessAction.VIEW_TRANSCRIPT, call.call_sid)
        return response


@admin.register(CallEvent)
class CallEventAdmin(admin.ModelAdmin):
    """All call events, for searching across calls."""

    list_display = ("at", "call", "kind", "actor")
    list_filter = ("kind",)
    list_select_related = ("call", "actor")
    raw_id_fields = ("call", "actor")
    show_full_result_count = False
    search_fields = ("=call__call_sid",)

    def has_add_permission(self, request):
        """Events are written by calls."""
        return False

    def has_change_permission(self, request, obj=None):
        """Read-only."""
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Show one event (it may hold a tool's arguments); the view goes into the access log."""
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and request.method == "GET":
            event = self.get_object(request, object_id)
            if event is not None:
                record_request(
                    request, AccessAction.VIEW_TRANSCRIPT, event.call.call_sid, f"event {event.pk}"
                )
        return response


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Bearer tokens for the calls JSON API; the secret is shown once, when the token is added."""

    list_display = ("name", "prefix", "user", "is_active", "created_at", "last_used_at")
    list_filter = ("is_active",)
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    fields = ("name", "user", "is_active", "prefix", "created_at", "last_used_at")
    readonly_fields = ("prefix", "created_at", "last_used_at")

    def get_readonly_fields(self, request, obj=None):
        """Only superusers choose whom a token acts as; others make tokens for themselves."""
        if request.user.is_superuser:
            return self.readonly_fields
        return (*self.readonly_fields, "user")

    def save_model(self, request, obj, form, change):
        """Mint the secret of a new token and show it this once."""
        if not change:
            if not request.user.is_superuser:
                obj.user = request.user  # a token acting as someone else would borrow their rights
            raw = obj.issue()
            message = _("Copy this token now, it will not be shown again: %(token)s")
            self.message_user(request, message % {"token": raw}, messages.WARNING)
        super().save_model(request, obj, form, change)


admin.site.login_form = ThrottledLoginForm  # the dashboard's login page too
admin.site.site_header = _("ARS AI Voice administration")
admin.site.site_title = _("ARS AI Voice")
admin.site.index_title = _("Agent, prompts and call log")


@admin.register(KpiThreshold)
class KpiThresholdAdmin(admin.ModelAdmin):
    """When the wallboard's tiles turn amber or red."""

    list_display = ("kpi", "higher_is_worse", "warning_at", "alert_at")
    list_editable = ("higher_is_worse", "warning_at", "alert_at")
