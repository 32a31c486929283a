"""Delete call data past each profile's retention, expired recordings and old access-log entries."""

from django.core.management.base import BaseCommand

from calls.compliance import access_log
from calls.compliance.retention import BATCH_SIZE, purge_call_data
from calls.records.recording_files import purge_expired


class Command(BaseCommand):
    """`manage.py purge_call_data` (schedule it daily, like purge_recordings)."""

    help = (
        "Delete transcripts and events past each profile's call-data retention and replace the "
        "caller number with a keyed hash; delete expired recordings and access-log entries."
    )

    def add_arguments(self, parser):
        """--batch-size: calls per transaction."""
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, **options):
        """Purge and say what was done; safe to rerun."""
        report = purge_call_data(batch_size=max(1, options["batch_size"]))
        self.stdout.write(str(report))
        recordings = purge_expired()
        self.stdout.write(f"deleted {recordings} expired recording(s)")
        entries = access_log.purge_expired()
        self.stdout.write(f"deleted {entries} access-log entr{'y' if entries == 1 else 'ies'}")
