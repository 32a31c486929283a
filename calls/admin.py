"""Admin for the call log, built for large tables: no full counts, selected relations, read-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from calls.models import Call, CallEvent, Utterance


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
        "from_number",
        "to_number",
        "profile",
        "status",
        "end_reason",
        "started_at",
        "duration_seconds",
        "interruptions",
    )
    list_filter = ("status", "end_reason", ("started_at", admin.DateFieldListFilter), "profile")
    search_fields = ("=call_sid", "from_number", "to_number")
    list_select_related = ("profile",)
    show_full_result_count = False
    date_hierarchy = "started_at"
    list_per_page = 50
    raw_id_fields = ("profile", "prompt_version")
    inlines = [UtteranceInline, CallEventInline]
    exclude = ("stream_token_hash",)

    def get_readonly_fields(self, request, obj=None):
        """Every field is read-only: the log records what happened."""
        return [f.name for f in self.model._meta.fields if f.name != "stream_token_hash"]

    def has_add_permission(self, request):
        """Calls come from Twilio, not from the admin."""
        return False


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


admin.site.site_header = _("ARS AI Voice administration")
admin.site.site_title = _("ARS AI Voice")
admin.site.index_title = _("Agent, prompts and call log")
