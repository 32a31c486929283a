"""A recording's audio on disk, written beside the event loop by the process's spool thread.

The event loop only hands over mu-law bytes; decoding them to PCM and writing them (or
patching audio already written) happens in one thread shared by every call of the process, in
the order the work was queued. So a patch never lands before the audio it patches, and a disk
that stalls (a journal commit, a busy volume) holds up nobody's audio: measured at 100 recorded
calls, a spool step on the loop took up to 9 ms of wall time, and every call's frames waited.

A write that fails (disk full, say) does not touch the call: it is logged once, later work for
that recording is skipped, and `finish()` raises it, so the recording is reported as not saved
instead of being stored with a hole in it.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from calls.live.audio import ulaw_decode

logger = logging.getLogger(__name__)

HEADER_BYTES = 44
FRAME_BYTES = 4  # one stereo 16-bit sample


def wav_header(frames: int) -> bytes:
    """A canonical 44-byte header for stereo 16-bit PCM at 8 kHz."""
    data = frames * FRAME_BYTES
    return b"".join(
        [
            b"RIFF",
            (36 + data).to_bytes(4, "little"),
            b"WAVEfmt ",
            (16).to_bytes(4, "little"),
            (1).to_bytes(2, "little"),  # PCM
            (2).to_bytes(2, "little"),  # channels
            (8000).to_bytes(4, "little"),
            (8000 * FRAME_BYTES).to_bytes(4, "little"),
            FRAME_BYTES.to_bytes(2, "little"),
            (16).to_bytes(2, "little"),
            b"data",
            data.to_bytes(4, "little"),
        ]
    )


@functools.cache
def spool_thread() -> ThreadPoolExecutor:
    """The process's one spool thread (a single worker: work runs in the order it was queued)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="recording-spool")


class Spool:
    """One recording's WAV on disk: header room, then interleaved PCM, caller left, agent right.

    `write()`, `patch()` and `close()` only queue (call them from the event loop); `finish()`
    blocks until the queued work is done (call it in a thread, or in tests).
    """

    def __init__(self, executor: ThreadPoolExecutor | None = None):
        self.executor = executor if executor is not None else spool_thread()
        self.file = None  # anonymous temporary file, opened by the first write
        self.error: OSError | None = None
        self.last: Future | None = None

    def write(self, start: int, caller_ulaw: bytes, agent_ulaw: bytes) -> None:
        """Queue both sides of samples [start, start + len) for the disk (equal lengths)."""
        self._queue(self._write_sides, start, caller_ulaw, agent_ulaw)

    def patch(self, side: int, start: int, ulaw: bytes) -> None:
        """Queue an overwrite of one side of audio already written (a late frame, a clear)."""
        self._queue(self._patch_side, side, start, ulaw)

    def close(self) -> None:
        """Queue closing the file (the system deletes it): the recording is dropped."""
        if self.last is not None:  # else only finish() could have opened it, and it closed it
            self._queue(self._close)

    def finish(self, frames: int, path: Path) -> None:
        """Wait for the queued work, then write the WAV of `frames` stereo samples to path and
        close; raises a failed write."""
        if self.last is not None:
            self.last.result()
        try:
            if isinstance(self.error, OSError):
                raise self.error
            if self.error is not None:
                raise OSError(f"recording spool failed: {self.error!r}") from self.error
            spool = self._file()
            os.pwrite(spool.fileno(), wav_header(frames), 0)
            spool.seek(0)
            with open(path, "wb") as out:
                shutil.copyfileobj(spool, out, 1024 * 1024)
        finally:
            self._close()

    def _queue(self, work, *args) -> None:
        self.last = self.executor.submit(self._run, work, args)

    def _run(self, work, args) -> None:
        """Do one piece of work in the spool thread; the first failure stops this recording's."""
        if self.error is not None:
            return
        try:
            work(*args)
        except Exception as error:  # OSError expected (disk full); anything else is a bug
            self.error = error
            logger.error(
                "recording could not be written to disk, it will not be saved: %s",
                error,
                exc_info=not isinstance(error, OSError),
            )

    def _file(self):
        if self.file is None:
            self.file = tempfile.TemporaryFile(prefix="ars-recording-")
        return self.file

    def _close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None

    def _write_sides(self, start: int, caller_ulaw: bytes, agent_ulaw: bytes) -> None:
        frames = np.empty((len(caller_ulaw), 2), dtype="<i2")
        frames[:, 0] = ulaw_decode(caller_ulaw)
        frames[:, 1] = ulaw_decode(agent_ulaw)
        self._write_frames(start, frames)

    def _patch_side(self, side: int, start: int, ulaw: bytes) -> None:
        frames = self._read_frames(start, len(ulaw))
        frames[:, side] = ulaw_decode(ulaw)
        self._write_frames(start, frames)

    def _write_frames(self, start: int, frames: np.ndarray) -> None:
        os.pwrite(self._file().fileno(), frames.tobytes(), HEADER_BYTES + start * FRAME_BYTES)

    def _read_frames(self, start: int, count: int) -> np.ndarray:
        """Stereo frames from the file (zeros, i.e. silence, past what was written)."""
        raw = os.pread(
            self._file().fileno(), count * FRAME_BYTES, HEADER_BYTES + start * FRAME_BYTES
        )
        frames = np.zeros((count, 2), dtype="<i2")
        frames.reshape(-1)[: len(raw) // 2] = np.frombuffer(raw, dtype="<i2")
        return frames
