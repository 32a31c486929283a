"""A call's recording goes with the call: deleting the row (admin, bulk or ORM) deletes its WAV.

Once the row is gone nothing points at the file, so purge_recordings would never find it.
The file is removed after the deleting transaction commits: a rolled-back delete keeps both.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from calls.models import Call
from calls.records.recording_files import path_of

logger = logging.getLogger(__name__)


def delete_recording_file(file_name: str) -> None:
    """Remove a stored recording; a file already gone is fine, a failure is logged."""
    try:
        path_of(file_name).unlink(missing_ok=True)
    except (OSError, ValueError):
        logger.exception("could not delete the recording %s of a deleted call", file_name)


@receiver(post_delete, sender=Call, dispatch_uid="calls.delete_recording_with_call")
def delete_recording_with_call(sender, instance: Call, **kwargs) -> None:
    """Once a call's deletion commits, delete its recording file."""
    if instance.recording:
        file_name = instance.recording
        transaction.on_commit(lambda: delete_recording_file(file_name))
