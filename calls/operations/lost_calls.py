"""Calls whose process is gone (SIGKILL, a crash, a lost box) end as `failed`/`server_lost`.

A verified stream stamps its call with the process that holds it: host, boot id, pid and the
pid's start time, so a pid reused after a reboot or by a later process is not mistaken for the
holder. Each serving process refreshes `owner_seen_at` on its live calls every heartbeat and
sweeps calls of processes that are gone: on this box a process is gone when its pid no longer
runs with the same start time (or the box rebooted); on another box when its heartbeat is older
than STALE_HEARTBEATS periods. The sweep runs at start-up and then with every heartbeat.
Host names must differ between boxes and between containers (each has its own pid namespace).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import socket
from datetime import timedelta
from pathlib import Path

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from calls.models import LIVE_STATUSES, Call, CallStatus, EndReason
from calls.monitoring import live_events as events

logger = logging.getLogger(__name__)

STALE_HEARTBEATS = 3
LOST_SEQ = 2**31  # after any sequence number the holder used: the page resyncs from the database


def boot_id() -> str:
    """This machine's boot id (changes at every reboot); empty where the system has none."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def start_ticks(pid: int) -> str:
    """When process pid started, in clock ticks since boot; empty if it is not running."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]  # field 22, counted after the command name


@functools.cache
def this_process() -> str:
    """This process's owner id: host:boot-id:pid:start-ticks."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{boot_id()}:{pid}:{start_ticks(pid)}"


def is_gone(owner: str, seen_at, now) -> bool:
    """Whether the process named by owner no longer holds its calls."""
    host, boot, pid, ticks = (owner.split(":") + ["", "", "", ""])[:4]
    if host == socket.gethostname():
        if boot != boot_id():
            return True  # this box rebooted since
        return not pid.isdigit() or start_ticks(int(pid)) != ticks
    stale = timedelta(seconds=STALE_HEARTBEATS * settings.CALL_OWNER_HEARTBEAT_SECONDS)
    return seen_at is None or now - seen_at > stale


def heartbeat(now=None) -> int:
    """Mark this process's live calls as still held; returns how many it holds."""
    live = Call.objects.filter(owner=this_process(), status__in=LIVE_STATUSES)
    return live.update(owner_seen_at=now or timezone.now())


def finalize_lost(now=None, call_sids=None) -> list[Call]:
    """Finalise live calls of processes that are gone; returns those calls as finalised."""
    now = now or timezone.now()
    live = Call.objects.filter(status__in=LIVE_STATUSES).exclude(owner="")
    if call_sids is not None:
        live = live.filter(call_sid__in=call_sids)
    lost = []
    for call in live.exclude(owner=this_process()).select_related("profile"):
        if not is_gone(call.owner, call.owner_seen_at, now):
            continue
        with transaction.atomic():
            if (
                not Call.objects.select_for_update()
                .filter(pk=call.pk, owner=call.owner, status__in=LIVE_STATUSES)
                .exists()
            ):
                continue  # finished or taken meanwhile
            call.status = CallStatus.FAILED
            call.end_reason = call.end_reason or EndReason.SERVER_LOST
            call.ended_at = call.owner_seen_at or now
            call.duration_seconds = max(0, round((call.ended_at - call.started_at).total_seconds()))
            call.save(update_fields=["status", "end_reason", "ended_at", "duration_seconds"])
        logger.error(
            "call %s lost with its process %s: finalised as %s",
            call.call_sid,
            call.owner,
            call.end_reason,
        )
        lost.append(call)
    return lost


def announce(calls: list[Call]) -> None:
    """Tell the wallboards that these calls ended (from the event loop)."""
    for call in calls:
        events.publish(
            events.CallStatusEvent(
                call_sid=call.call_sid,
                seq=LOST_SEQ,
                state=events.CallState.ENDED,
                status="ended",
                from_number=call.from_number,
                to_number=call.to_number,
                profile_name=call.profile.name if call.profile else "",
                started_at=call.started_at.isoformat(),
                end_reason=call.end_reason,
                turns=call.turns,
                interruptions=call.interruptions,
                last_latency_ms=call.last_response_latency_ms,
            )
        )


def sweep_now() -> list[Call]:
    """One heartbeat and one sweep (synchronous: start-up, or in a thread)."""
    heartbeat()
    return finalize_lost()


async def keep_watch(period: float) -> None:
    """Heartbeat and sweep every `period` seconds, for ever; a failing database is logged."""
    while True:
        try:
            announce(await database_sync_to_async(sweep_now)())
        except Exception:  # the database may be down: the calls go on, the next round retries
            logger.exception("could not check for calls of lost processes")
        await asyncio.sleep(period)
