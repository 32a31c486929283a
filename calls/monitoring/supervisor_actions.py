"""Supervisor actions on a live call: check the right, record who did it, reach the call's holder.

The `CallEvent` naming the supervisor is written when the action is sent (after its commit), so
the log shows the request even if the process holding the call has died; the holder records
what it then did (the end reason, the coach message it injected).
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone

from calls.compliance.access_log import record_access
from calls.compliance.models import AccessAction
from calls.compliance.redaction import redact
from calls.models import Call, CallEvent, EndReason
from calls.monitoring.live_events import TimelineEvent, control_group, control_message, publish
from calls.operations import lost_calls

ACTIONS = ("hangup", "transfer", "coach")
CONTROL_PERMISSION = "calls.control_call"
MAX_COACH_CHARS = 2000


class ActionRefused(Exception):
    """A supervisor action that cannot be sent; `code` is what the browser is told."""

    def __init__(self, code: str, ended=()):
        super().__init__(code)
        self.code = code
        self.ended = list(ended)  # calls this check found lost and finalised


def can_control(user) -> bool:
    """Whether this user may hang up, transfer and coach live calls."""
    return bool(user.is_active and user.is_staff and user.has_perm(CONTROL_PERMISSION))


def clean_action(action: str, text: str) -> str:
    """The action's text after validation; raises ActionRefused for a bad action or text."""
    if action not in ACTIONS:
        raise ActionRefused("unknown_action")
    text = (text or "").strip()
    if action == "coach" and not text:
        raise ActionRefused("empty_text")
    if len(text) > MAX_COACH_CHARS:
        raise ActionRefused("text_too_long")
    return text if action == "coach" else ""


def record_action(user, call_sid: str, action: str, text: str, address=None) -> CallEvent:
    """Check the right and that the call is live, then log it as a CallEvent and an access."""
    if not can_control(user):
        raise ActionRefused("forbidden")
    call = (
        Call.objects.filter(call_sid=call_sid)
        .only("id", "status", "end_reason", "started_at", "answered_at")
        .first()
    )
    if call is None:
        raise ActionRefused("no_such_call")
    if call.is_live and (lost := lost_calls.finalize_lost(call_sids=[call_sid])):
        raise ActionRefused("server_lost", lost)  # its process died before the sweep noticed
    if call.end_reason == EndReason.SERVER_LOST:
        raise ActionRefused("server_lost")
    if not call.is_live:
        raise ActionRefused("call_ended")
    data = {"action": action, "actor_name": user.get_username()}
    if text:
        data["text"] = redact(text)
    record_access(
        user, AccessAction.SUPERVISOR_ACTION, call_sid=call_sid, address=address, detail=action
    )
    since = call.answered_at or call.started_at
    offset_ms = max(0, round((timezone.now() - since).total_seconds() * 1000))
    return CallEvent.objects.create(
        call=call, kind=f"supervisor_{action}", data=data, actor=user, offset_ms=offset_ms
    )


async def send_action(user, call_sid: str, action: str, text: str = "", address=None) -> CallEvent:
    """Validate, record and send one action to whichever process holds the call."""
    text = clean_action(action, text)
    try:
        event = await database_sync_to_async(record_action)(user, call_sid, action, text, address)
    except ActionRefused as refused:
        lost_calls.announce(refused.ended)  # the wallboards drop the lost call
        raise
    message = control_message(action, actor_id=user.pk, actor_name=user.get_username(), text=text)
    await get_channel_layer().group_send(control_group(call_sid), message)
    # Everyone watching the call sees the action at once, whatever the holder does with it.
    # No sequence number: it does not come from the holder's numbered stream.
    publish(
        TimelineEvent(
            call_sid=call_sid, seq=None, kind=event.kind, offset_ms=event.offset_ms, data=event.data
        )
    )
    return event
