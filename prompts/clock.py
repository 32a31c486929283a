"""The day the retirement guard measures from; tests replace `today` to fix the clock."""

import datetime

from django.utils import timezone


def today() -> datetime.date:
    """Today's date in the server's time zone."""
    return timezone.localdate()
