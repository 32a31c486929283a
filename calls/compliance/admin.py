"""Admin for compliance: the access log (superusers only, CSV export) and deletion requests."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from calls.compliance.access_log import record_request, write_csv
from calls.compliance.forget import forget_caller
from calls.compliance.models import AccessAction, AccessLogEntry, ForgetRequest


class SuperuserOnlyReadOnly(admin.ModelAdmin):
    """Visible to superusers only; nobody adds, changes or deletes rows here."""

    def has_module_permission(self, request):
        """Only superusers see it in the index."""
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        """Only superusers read it."""
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        """Rows are written by the system."""
        return False

    def has_change_permission(self, request, obj=None):
        """Append-only."""
        return False

    def has_delete_permission(self, request, obj=None):
        """Only the retention purge deletes rows."""
        return False


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(SuperuserOnlyReadOnly):
    """Who looked at which call, when and from where."""

    list_display = ("at", "username", "action", "call_sid", "client_address", "detail")
    list_filter = ("action", ("at", admin.DateFieldListFilter))
    search_fields = ("=call_sid", "=username", "=client_address")
    date_hierarchy = "at"
    show_full_result_count = False
    list_per_page = 100
    actions = ["export_csv"]

    def get_actions(self, request):
        """Only the CSV export: there is no bulk delete of an append-only log."""
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Export the selected entries as CSV"))
    def export_csv(self, request, queryset):
        """Download the selected entries; the export itself is logged."""
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="access-log-{stamp}.csv"'
        response.write("\ufeff")  # Excel reads UTF-8 Korean only with a byte-order mark
        entries = list(queryset.order_by("at", "id"))
        write_csv(entries, response)
        record_request(request, AccessAction.EXPORT, detail=f"access log: {len(entries)} rows")
        return response


@admin.register(ForgetRequest)
class ForgetRequestAdmin(SuperuserOnlyReadOnly):
    """The audit of deletion requests; the number appears only as its keyed hash."""

    list_display = ("at", "actor_name", "via", "calls", "utterances", "events", "recordings")
    list_filter = ("via",)
    search_fields = ("=number_hash",)
    show_full_result_count = False


@admin.action(
    description=_("Delete all data of these callers (data subject request)"),
    permissions=["delete"],
)
def forget_selected_callers(modeladmin, request, queryset):
    """Forget every number among the selected calls: all their calls, not only those selected."""
    numbers = {n for n in queryset.values_list("from_number", flat=True) if n}
    address = request.META.get("REMOTE_ADDR")
    total = 0
    for number in numbers:
        audit = forget_caller(number, actor=request.user, via="admin", address=address)
        total += audit.calls
    message = ngettext(
        "Deleted the data of %(calls)d call from %(callers)d caller.",
        "Deleted the data of %(calls)d calls from %(callers)d callers.",
        total,
    )
    modeladmin.message_user(
        request, message % {"calls": total, "callers": len(numbers)}, messages.SUCCESS
    )
