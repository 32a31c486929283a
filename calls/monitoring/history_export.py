"""CSV export of the call history with the page's filters; numbers masked as on the page."""

from __future__ import annotations

import csv
import logging

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from calls.compliance.access_log import record_request
from calls.compliance.models import AccessAction
from calls.monitoring.access import watcher_required
from calls.monitoring.call_data import can_see_numbers, mask_number
from calls.monitoring.history_filters import CallFilterForm, filter_calls

logger = logging.getLogger(__name__)

MAX_ROWS = 100_000
HEADER = [
    "시작 시각",
    "발신 번호",
    "수신 번호",
    "프로필",
    "상태",
    "종료 사유",
    "통화 시간(초)",
    "분류",
    "해결",
    "감정",
    "비용",
    "통화",
    "요약",
    "Call SID",
]


class Echo:
    """A file-like object whose write returns the line (csv.writer into a streaming response)."""

    def write(self, value: str) -> str:
        """Hand the formatted line back."""
        return value


def row_of(call, reveal: bool) -> list:
    """One call as a CSV row."""
    resolved = "" if call.resolved is None else ("예" if call.resolved else "아니요")
    return [
        timezone.localtime(call.started_at).strftime("%Y-%m-%d %H:%M:%S"),
        mask_number(call.from_number, reveal),
        call.to_number,
        call.profile.name if call.profile else "",
        call.get_status_display(),
        call.get_end_reason_display(),
        call.duration_seconds if call.duration_seconds is not None else "",
        call.category,
        resolved,
        call.sentiment,
        call.cost if call.cost is not None else "",
        call.cost_currency,
        call.summary,
        call.call_sid,
    ]


def lines(calls, reveal: bool):
    """The CSV text, line by line, with a BOM so spreadsheet programs read Korean as UTF-8."""
    writer = csv.writer(Echo())
    yield "\ufeff" + writer.writerow(HEADER)
    for call in calls.iterator(chunk_size=2000):
        yield writer.writerow(row_of(call, reveal))


@watcher_required
def history_csv(request):
    """GET /dashboard/calls/export.csv?<history filters>: every matching call, newest first."""
    form = CallFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return HttpResponse("invalid filters", status=400)
    filters = form.cleaned_data if form.is_bound else {}
    filters = {key: value for key, value in filters.items() if key not in ("cursor", "limit")}
    calls = filter_calls(filters)[:MAX_ROWS]
    logger.info(
        "call history exported by %s with filters %s", request.user, request.GET.urlencode()
    )
    record_request(request, AccessAction.EXPORT, detail=f"call history: {request.GET.urlencode()}")
    response = StreamingHttpResponse(
        lines(calls, can_see_numbers(request.user)), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="calls-{stamp}.csv"'
    return response
