"""Delete call recordings past their profile's retention period (schedule it daily)."""

from django.core.management.base import BaseCommand

from calls.records.recording_files import purge_expired


class Command(BaseCommand):
    """`manage.py purge_recordings`."""

    help = "Delete recordings older than each profile's retention period."

    def handle(self, *args, **options):
        """Purge and say how many files were deleted."""
        deleted = purge_expired()
        self.stdout.write(f"deleted {deleted} expired recording(s)")
