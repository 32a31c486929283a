"""The supervisors' pages: wallboard, call history and one call (thin: query, then render)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from calls.compliance.access_log import record_request
from calls.compliance.models import AccessAction
from calls.compliance.unredacted import can_view_unredacted
from calls.models import EndReason
from calls.monitoring.access import watcher_required
from calls.monitoring.call_data import can_see_numbers, detail_data, mask_number
from calls.monitoring.history_filters import PAGE_SIZE, CallFilterForm, filter_calls, page_of
from calls.monitoring.kpis import wallboard_kpis
from calls.monitoring.live_events import CallState
from calls.monitoring.queries import find_call
from calls.monitoring.supervisor_actions import can_control
from calls.monitoring.voice_session import LISTEN_PERMISSION, TAKE_OVER_PERMISSION, has_right

MONITOR_SOCKET_PATH = "/ws/monitor/"
# The wallboard's tiles, in reading order: (KPI name, label, how the script formats it).
KPI_TILES = [
    ("calls", gettext_lazy("Calls today"), "count"),
    ("live", gettext_lazy("Live now"), "count"),
    ("containment_rate", gettext_lazy("AI containment"), "percent"),
    ("transfer_rate", gettext_lazy("Transfer rate"), "percent"),
    ("avg_handle_seconds", gettext_lazy("Average handle time"), "duration"),
    ("latency_p50_ms", gettext_lazy("Response latency p50"), "ms"),
    ("latency_p95_ms", gettext_lazy("Response latency p95"), "ms"),
    ("barge_in_rate", gettext_lazy("Barge-in rate"), "percent"),
    ("failures", gettext_lazy("Failures"), "count"),
    ("cost", gettext_lazy("Cost"), "money"),
]


def js_labels() -> dict:
    """The words the page scripts show, translated on the server (no JS catalogue needed)."""
    return {
        "states": {
            CallState.CONNECTING: _("Connecting"),
            CallState.CALLER_SPEAKING: _("Caller speaking"),
            CallState.AGENT_SPEAKING: _("Agent speaking"),
            CallState.IDLE: _("Waiting"),
            CallState.ENDED: _("Ended"),
        },
        "speakers": {
            "caller": _("Caller"),
            "agent": _("Agent"),
            "system": _("System"),
            "supervisor": _("Supervisor"),
        },
        "end_reasons": dict(EndReason.choices),
        "heard": _("Caller heard"),
        "generated": _("Generated"),
        "interrupted": _("interrupted"),
        "latency": _("latency"),
        "first_audio": _("first audio"),
        "no_calls": _("No calls in progress."),
        "live": _("Live"),
        "reconnecting": _("Connection lost, reconnecting…"),
        "events": event_labels(),
        "details": detail_labels(),
        "last_hour": _("Last hour"),
        "updated": _("Updated"),
        "stale": _("not updated for a while"),
        "uncategorised": _("Uncategorised"),
        "calls_per_hour": _("Calls per hour"),
        "containment": _("Containment"),
        "forbidden": _("You are not allowed to watch calls."),
        "call_ended": _("This call has ended."),
        "confirm_hangup": _("Hang up this call?"),
        "confirm_transfer": _("Transfer this call to a human agent?"),
        "sent": {
            "hangup": _("Hang-up sent."),
            "transfer": _("Transfer sent."),
            "coach": _("Instruction sent to the agent."),
        },
        "voice": voice_labels(),
        "errors": {
            "forbidden": _("You do not have the right to control calls."),
            "call_ended": _("This call has already ended."),
            "server_lost": _("The server holding this call stopped; the call was lost."),
            "no_such_call": _("No such call."),
            "empty_text": _("Type an instruction first."),
            "text_too_long": _("The instruction is too long."),
        },
    }


def voice_labels() -> dict:
    """The words of the call page's voice panel (listen, take over, hand back)."""
    return {
        "listen": _("Listen"),
        "stop_listening": _("Stop listening"),
        "listening": _("Listening to the call."),
        "holding": _("You are speaking with the caller. The AI is silent."),
        "handed_back": _("The call is back with the AI."),
        "held_by": _("%(name)s is speaking with the caller"),
        "confirm_take_over": _("Take this call over from the AI? The caller will hear you."),
        "returned": {
            "socket_lost": _("Your connection dropped: the call went back to the AI."),
            "microphone_silent": _("No sound from your microphone: the call went back to the AI."),
        },
        "errors": {
            "forbidden": _("You do not have the right to do this."),
            "held": _("%(name)s is already speaking with the caller."),
            "not_holder": _("You are not holding this call."),
            "call_not_live": _("The call cannot be taken over right now."),
            "no_such_call": _("No such call."),
            "microphone": _("The microphone could not be opened."),
        },
    }


def event_labels() -> dict:
    """Korean names of the timeline's event kinds."""
    return {
        "barge_in": _("Barge-in"),
        "dtmf": _("Key press"),
        "tool_call": _("Tool call"),
        "tool_result": _("Tool result"),
        "reconnect": _("AI reconnected"),
        "supervisor_hangup": _("Supervisor action: hang up"),
        "supervisor_transfer": _("Supervisor action: transfer"),
        "supervisor_coach": _("Supervisor action: coaching"),
        "summary": _("Summary"),
        "summary_failed": _("No summary"),
        "call_ended": _("Call ended"),
        "ai_error": _("AI error"),
        "bad_ai_event": _("Unreadable AI event"),
        "bad_frame": _("Unreadable Twilio frame"),
        "transcription_failed": _("Transcription failed"),
        "supervisor_listen": _("Supervisor listening"),
        "supervisor_listen_stop": _("Supervisor stopped listening"),
        "supervisor_take_over": _("Supervisor took the call over"),
        "supervisor_hand_back": _("Call handed back to the AI"),
        "greeting_cached": _("Recorded greeting played"),
        "tool_filler": _("Waiting announcement"),
        "caller_idle": _("Caller silent"),
        "notice_given": _("AI notice given"),
    }


def tool_outcome_labels() -> dict:
    """How a business tool call ended, in words."""
    return {
        "ok": _("success"),
        "http_error": _("HTTP error"),
        "timeout": _("timed out"),
        "too_large": _("answer too large"),
        "not_json": _("not JSON"),
        "refused": _("refused"),
        "invalid_arguments": _("invalid arguments"),
        "network_error": _("unreachable"),
        "too_many_tool_calls": _("too many at once"),
    }


def detail_labels() -> dict:
    """The words in the timeline's formatted details."""
    return {
        "heard": _("heard"),
        "generated": _("generated"),
        "silence": _("silence"),
        "attempt": _("attempt"),
        "by": _("Acted by"),
        "latency": _("took"),
        "result": _("result"),
        "arguments": _("arguments"),
        "reason": _("reason"),
        "category": _("category"),
        "resolved": _("Resolved"),
        "unresolved": _("unresolved"),
        "sentiment": _("sentiment"),
        "ok": _("success"),
        "failed": _("failed"),
        "source": _("Acted by"),
        "seconds": _("sec"),
        "count": _("time"),
        "outcomes": tool_outcome_labels(),
    }


def socket_context(**extra) -> dict:
    """What every live page needs: the socket path and the translated labels."""
    return {"socket_path": MONITOR_SOCKET_PATH, "labels": js_labels(), **extra}


@watcher_required
def wallboard(request):
    """Every live call and today's totals; the page script keeps them live."""
    context = socket_context(kpis=wallboard_kpis(), kpi_tiles=KPI_TILES)
    return render(request, "dashboard/wallboard.html", context)


@watcher_required
def history(request):
    """Past and present calls with search, filters and keyset pages."""
    form = CallFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    reveal = can_see_numbers(request.user)
    calls = filter_calls(filters, reveal)
    page = page_of(calls, filters.get("cursor"), filters.get("limit") or PAGE_SIZE)
    rows = [(call, mask_number(call.from_number, reveal)) for call in page.calls]
    next_query = None
    if page.next_cursor:
        query = request.GET.copy()
        query["cursor"] = page.next_cursor
        next_query = query.urlencode()
    export = request.GET.copy()
    export.pop("cursor", None)
    context = {
        "export_query": export.urlencode(),
        "form": form,
        "rows": rows,
        "next_query": next_query,
        "first_page": not filters.get("cursor"),
    }
    return render(request, "dashboard/history.html", context)


@watcher_required
def call_page(request, call_sid: str):
    """One call: live transcript while it runs, the stored record once it has ended."""
    call = find_call(call_sid)
    if call is None:
        raise Http404
    context = socket_context(
        call=call,
        detail=detail_data(call, can_see_numbers(request.user)),
        can_control=can_control(request.user) and call.is_live,
        can_view_unredacted=can_view_unredacted(request.user),
        can_listen=call.is_live and has_right(request.user, LISTEN_PERMISSION),
        can_take_over=call.is_live and has_right(request.user, TAKE_OVER_PERMISSION),
    )
    record_request(request, AccessAction.VIEW_CALL, call.call_sid)
    return render(request, "dashboard/call.html", context)
