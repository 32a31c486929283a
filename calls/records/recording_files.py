"""Recording files: written under RECORDINGS_DIR (never a public path), purged after retention."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from calls.live.stereo_recording import StereoRecording
from calls.models import Call

logger = logging.getLogger(__name__)


def path_of(file_name: str) -> Path:
    """The absolute path of a stored recording; refuses names that leave the folder."""
    folder = Path(settings.RECORDINGS_DIR).resolve()
    path = (folder / file_name).resolve()
    if folder not in path.parents:
        raise ValueError(f"recording name outside {folder}: {file_name!r}")
    return path


def write(call_sid: str, recording: StereoRecording) -> str:
    """Write a call's WAV (sync; run it in a thread); returns the stored file name."""
    file_name = f"{call_sid}.wav"
    path = path_of(file_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    recording.save(path)
    return file_name


def purge_expired(now=None) -> int:
    """Delete recordings older than their profile's retention; returns how many were deleted."""
    now = now or timezone.now()
    deleted = 0
    calls = Call.objects.exclude(recording="").only("pk", "recording", "config", "started_at")
    for call in calls.iterator():
        days = int(call.config.get("recording_retention_days") or 30)
        if call.started_at + timedelta(days=days) > now:
            continue
        try:
            path_of(call.recording).unlink(missing_ok=True)
        except (OSError, ValueError):
            logger.exception("could not delete the recording of %s", call.pk)
            continue
        Call.objects.filter(pk=call.pk).update(recording="")
        deleted += 1
    return deleted
