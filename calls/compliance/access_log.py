"""Writes the access log: one insert per access to a call's personal data.

The entry is written in the request, where a failure cannot go unnoticed, rather than queued
where it could be lost. On PostgreSQL the insert commits without waiting for the WAL flush
(`synchronous_commit = off` for that transaction only): a busy disk made the fsync cost
milliseconds per page view, and what it risks is the last fraction of a second of entries if
the database server itself crashes, never a corrupt table (bench/access_log_cost.py).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import timedelta
from ipaddress import ip_address

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from calls.compliance.models import AccessAction, AccessLogEntry

CSV_COLUMNS = ("at", "username", "user_id", "action", "call_sid", "client_address", "detail")


def client_address(request) -> str | None:
    """The address the request came from (the proxy forwards it to daphne), or None."""
    value = request.META.get("REMOTE_ADDR", "")
    return valid_address(value)


def valid_address(value: str) -> str | None:
    """The address if it is an IP address, else None."""
    try:
        return str(ip_address(value))
    except ValueError:
        return None


def record_access(
    user, action: AccessAction, *, call_sid: str = "", address: str | None = None, detail=""
) -> AccessLogEntry:
    """Append one entry: this user did `action` on this call, from this address."""
    authenticated = bool(user and user.is_authenticated)
    entry = AccessLogEntry(
        user_id=user.pk if authenticated else None,
        username=user.get_username() if authenticated else "",
        action=action,
        call_sid=call_sid,
        client_address=address,
        detail=str(detail)[:200],
    )
    outermost = not connection.in_atomic_block  # never change an enclosing transaction
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        entry.save()
    return entry


def record_request(request, action: AccessAction, call_sid: str = "", detail="", user=None):
    """Append one entry for an HTTP request (the user may come from an API token)."""
    return record_access(
        user or request.user,
        action,
        call_sid=call_sid,
        address=client_address(request),
        detail=detail,
    )


def purge_expired(now=None) -> int:
    """Delete entries older than ACCESS_LOG_RETENTION_DAYS; returns how many were deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS)
    return AccessLogEntry.objects.purge_before(cutoff)


def write_csv(entries: Iterable[AccessLogEntry], out) -> None:
    """Write entries as CSV rows (UTF-8 text) to a file-like object."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow(
            [
                entry.at.isoformat(),
                entry.username,
                entry.user_id or "",
                entry.action,
                entry.call_sid,
                entry.client_address or "",
                entry.detail,
            ]
        )
