"""The JSON API for integrations: GET /api/calls/, /api/calls/<CallSid>/ and /api/stats/."""

from __future__ import annotations

import datetime as dt

from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from calls.compliance.access_log import record_request
from calls.compliance.models import AccessAction
from calls.compliance.unredacted import can_view_unredacted, unredacted_utterances
from calls.monitoring.access import api_watcher_required
from calls.monitoring.call_data import can_see_numbers, detail_data, summary_data
from calls.monitoring.history_filters import PAGE_SIZE, CallFilterForm, filter_calls, page_of
from calls.monitoring.kpis import day_stats
from calls.monitoring.queries import find_call


@require_GET
@api_watcher_required
def calls_list(request):
    """Calls matching the history filters, newest first, one keyset page at a time."""
    form = CallFilterForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"error": "invalid_filters", "fields": form.errors}, status=400)
    filters = form.cleaned_data
    reveal = can_see_numbers(request.api_user)
    page = page_of(filter_calls(filters, reveal), filters["cursor"], filters["limit"] or PAGE_SIZE)
    record_request(
        request, AccessAction.API_LIST, detail=f"{len(page.calls)} call(s)", user=request.api_user
    )
    return JsonResponse(
        {
            "results": [summary_data(call, reveal) for call in page.calls],
            "next_cursor": page.next_cursor,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
@api_watcher_required
def call_detail(request, call_sid: str):
    """One call with its utterances, events and metrics."""
    call = find_call(call_sid)
    if call is None:
        return JsonResponse({"error": "not_found"}, status=404)
    data = detail_data(call, can_see_numbers(request.api_user))
    record_request(request, AccessAction.API_DETAIL, call.call_sid, user=request.api_user)
    if request.GET.get("unredacted") == "1":
        if not can_view_unredacted(request.api_user):
            return JsonResponse({"error": "forbidden"}, status=403)
        data["utterances"] = unredacted_utterances(call)
        record_request(request, AccessAction.VIEW_UNREDACTED, call.call_sid, user=request.api_user)
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@require_GET
@api_watcher_required
def stats(request):
    """The wallboard's figures for one local day (?date=YYYY-MM-DD, default today, Asia/Seoul)."""
    raw = request.GET.get("date", "")
    try:
        day = dt.date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        return JsonResponse({"error": "invalid_date", "expected": "YYYY-MM-DD"}, status=400)
    return JsonResponse(day_stats(day), json_dumps_params={"ensure_ascii": False})
