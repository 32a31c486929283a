"""Call-data retention: past a profile's period, transcripts and events go, the number is hashed.

What statistics need stays on the call row: status, timings, duration, turn and latency
counts, the summary's category, resolution and sentiment (the summary text itself goes). The
caller number is replaced by its keyed hash (calls.compliance.caller_key), so repeat callers
can still be counted but not named. Runs in batches, each its own transaction, and marks what
it did (`data_purged_at`), so a rerun only picks up what is left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from calls.compliance.caller_key import caller_key
from calls.models import Call, CallEvent, Utterance
from prompts.models import AgentProfile

DEFAULT_RETENTION_DAYS = 90  # for calls whose profile is gone
BATCH_SIZE = 500


@dataclass
class PurgeReport:
    """What one purge did."""

    calls: int = 0
    utterances: int = 0
    events: int = 0

    def __str__(self):
        return (
            f"purged {self.calls} call(s): {self.utterances} utterance(s), "
            f"{self.events} event(s) deleted, caller numbers replaced by keyed hashes"
        )


def expired_calls(now) -> Q:
    """Calls past their profile's call-data retention (the profile's current setting)."""
    condition = Q(profile__isnull=True, started_at__lt=now - timedelta(DEFAULT_RETENTION_DAYS))
    for profile_id, days in AgentProfile.objects.values_list("pk", "call_data_retention_days"):
        condition |= Q(profile_id=profile_id, started_at__lt=now - timedelta(days=days))
    return condition


def purge_call_data(now=None, batch_size: int = BATCH_SIZE) -> PurgeReport:
    """Purge every ended call past retention, batch by batch; returns what was done."""
    now = now or timezone.now()
    report = PurgeReport()
    pending = (
        Call.objects.filter(expired_calls(now), data_purged_at__isnull=True)
        .exclude(status__in=("ringing", "in_progress"))
        .order_by("pk")
    )
    last_pk = 0
    while True:
        batch = list(pending.filter(pk__gt=last_pk).only("pk", "from_number")[:batch_size])
        if not batch:
            return report
        purge_batch(batch, now, report)
        last_pk = batch[-1].pk


@transaction.atomic
def purge_batch(calls: list[Call], now, report: PurgeReport) -> None:
    """Delete one batch's transcripts and events and hash its caller numbers."""
    ids = [call.pk for call in calls]
    report.utterances += Utterance.objects.filter(call_id__in=ids).delete()[0]
    report.events += CallEvent.objects.filter(call_id__in=ids).delete()[0]
    for call in calls:
        call.caller_hash = caller_key(call.from_number) or call.caller_hash
        call.from_number = ""
        call.summary = ""  # written from the transcript; category, resolved, sentiment stay
        call.data_purged_at = now
    Call.objects.bulk_update(calls, ["caller_hash", "from_number", "summary", "data_purged_at"])
    report.calls += len(calls)
