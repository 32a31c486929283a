"""Deletion on request (정보주체 요청): every call from a number loses its personal data.

Transcripts, events, the summary, the recording (file and reference) and the number itself are
deleted; the call rows stay for counts and timings. The audit entry names who asked for it, when and
how many calls it touched, and identifies the number only by its keyed hash.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from calls.compliance.access_log import record_access
from calls.compliance.caller_key import caller_key, normalize_number
from calls.compliance.models import AccessAction, ForgetRequest
from calls.models import Call, CallEvent, Utterance
from calls.records.recording_files import path_of

logger = logging.getLogger(__name__)


def stored_forms(number: str) -> set[str]:
    """The ways the number may be stored: E.164 as Twilio sends it, and the domestic form."""
    e164 = normalize_number(number)
    forms = {number.strip(), e164}
    if e164.startswith("+82"):
        forms.add("0" + e164[3:])
    return {form for form in forms if form}


def calls_from(number: str):
    """Every call from this number, including calls whose number was already hashed."""
    key = caller_key(number)
    if not key:
        return Call.objects.none()
    return Call.objects.filter(Q(from_number__in=stored_forms(number)) | Q(caller_hash=key))


def delete_recordings(calls: list[Call]) -> int:
    """Delete the calls' recording files; returns how many files were deleted."""
    deleted = 0
    for call in calls:
        if not call.recording:
            continue
        try:
            path = path_of(call.recording)
            if path.exists():
                path.unlink()
                deleted += 1
        except (OSError, ValueError):
            logger.exception("could not delete the recording of call %s", call.pk)
            raise
    return deleted


@transaction.atomic
def forget_caller(number: str, *, actor=None, via: str = "command", address=None):
    """Delete every call's personal data for this number and leave an audit entry."""
    key = caller_key(number)
    if not key:
        raise ValueError("no phone number given")
    calls = list(calls_from(number).select_for_update().only("pk", "call_sid", "recording"))
    ids = [call.pk for call in calls]
    recordings = delete_recordings(calls)
    utterances = Utterance.objects.filter(call_id__in=ids).delete()[0]
    events = CallEvent.objects.filter(call_id__in=ids).delete()[0]
    Call.objects.filter(pk__in=ids).update(
        from_number="",
        caller_hash="",
        recording="",
        summary="",
        data_purged_at=timezone.now(),
    )
    audit = ForgetRequest.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=actor.get_username() if actor is not None else via,
        via=via,
        number_hash=key,
        calls=len(ids),
        utterances=utterances,
        events=events,
        recordings=recordings,
    )
    if actor is not None:
        record_access(
            actor, AccessAction.FORGET_CALLER, address=address, detail=f"{len(ids)} call(s)"
        )
    return audit
