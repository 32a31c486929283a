"""The supervisors' pages: wallboard, call history and one call (thin: query, then render)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from calls.models import EndReason
from calls.monitoring.access import staff_required
from calls.monitoring.call_data import can_see_numbers, detail_data, mask_number
from calls.monitoring.history_filters import PAGE_SIZE, CallFilterForm, filter_calls, page_of
from calls.monitoring.live_events import CallState
from calls.monitoring.queries import find_call, today_totals
from calls.monitoring.supervisor_actions import can_control
from calls.monitoring.voice_session import LISTEN_PERMISSION, TAKE_OVER_PERMISSION, has_right

MONITOR_SOCKET_PATH = "/ws/monitor/"


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


def socket_context(**extra) -> dict:
    """What every live page needs: the socket path and the translated labels."""
    return {"socket_path": MONITOR_SOCKET_PATH, "labels": js_labels(), **extra}


@staff_required
def wallboard(request):
    """Every live call and today's totals; the page script keeps them live."""
    return render(request, "dashboard/wallboard.html", socket_context(totals=today_totals()))


@staff_required
def history(request):
    """Past and present calls with search, filters and keyset pages."""
    form = CallFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = page_of(filter_calls(filters), filters.get("cursor"), filters.get("limit") or PAGE_SIZE)
    reveal = can_see_numbers(request.user)
    rows = [(call, mask_number(call.from_number, reveal)) for call in page.calls]
    next_query = None
    if page.next_cursor:
        query = request.GET.copy()
        query["cursor"] = page.next_cursor
        next_query = query.urlencode()
    context = {
        "form": form,
        "rows": rows,
        "next_query": next_query,
        "first_page": not filters.get("cursor"),
    }
    return render(request, "dashboard/history.html", context)


@staff_required
def call_page(request, call_sid: str):
    """One call: live transcript while it runs, the stored record once it has ended."""
    call = find_call(call_sid)
    if call is None:
        raise Http404
    context = socket_context(
        call=call,
        detail=detail_data(call, can_see_numbers(request.user)),
        can_control=can_control(request.user) and call.is_live,
        can_listen=call.is_live and has_right(request.user, LISTEN_PERMISSION),
        can_take_over=call.is_live and has_right(request.user, TAKE_OVER_PERMISSION),
    )
    return render(request, "dashboard/call.html", context)
