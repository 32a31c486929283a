"""Unredacted transcripts: kept only when the profile says so, read only with a permission."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from calls.compliance.access_log import record_request
from calls.compliance.models import AccessAction
from calls.models import Call
from calls.monitoring.access import can_watch, watcher_required
from calls.monitoring.call_data import utterance_data

PERMISSION = "calls.view_unredacted"


def can_view_unredacted(user) -> bool:
    """Whether this user may read what callers said before personal data was masked."""
    return bool(can_watch(user) and user.has_perm(PERMISSION))


def unredacted_utterances(call: Call) -> list[dict]:
    """A call's turns with the unredacted text where it was kept (else the masked text)."""
    rows = []
    for utterance in call.utterances.all():
        row = utterance_data(utterance)
        row["unredacted"] = bool(utterance.unredacted_text)
        row["text"] = utterance.unredacted_text or utterance.text
        rows.append(row)
    return rows


@watcher_required
def unredacted_transcript(request, call_sid: str):
    """One call's transcript before masking; the read goes into the access log."""
    if not can_view_unredacted(request.user):
        raise Http404  # do not confirm the page exists to those who may not read it
    call = Call.objects.filter(call_sid=call_sid).first()
    if call is None:
        raise Http404
    record_request(request, AccessAction.VIEW_UNREDACTED, call.call_sid)
    context = {"call": call, "utterances": unredacted_utterances(call)}
    return render(request, "dashboard/unredacted.html", context)
