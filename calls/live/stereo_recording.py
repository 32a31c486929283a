"""A call's stereo recording: caller left, agent right, placed where the caller heard it.

Time is Twilio's stream clock (the `timestamp` of inbound media, in ms; the consumer clamps it
to the call's elapsed time). Caller frames land at their timestamps. Agent chunks play back to
back from when they were sent, the way Twilio's buffer plays them; a `clear` cuts everything
not yet played at that moment, so audio the caller never heard is not in the recording.

Memory stays flat whatever the call's length: only the last WINDOW_SECONDS are held (as
mu-law, one byte per sample and side, in fixed one-second blocks: see HeldTrack); older audio
is handed to the recording's Spool, which decodes it and writes it to an anonymous temporary
file as the WAV's data in the process's spool thread, never on the event loop. The header is
written when the call is saved. A write that lands before the window (a late frame, a clear of
audio already spooled) patches the file, in order with the writes before it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from calls.live.recording_spool import Spool

SAMPLES_PER_MS = 8
ULAW_SILENCE = 0xFF  # decodes to 0, the value of PCM silence on disk
MAX_SECONDS = 2 * 60 * 60  # recordings stop growing after two hours
WINDOW_SECONDS = 10  # audio held in memory; the rest is on disk
BLOCK_SAMPLES = 8000  # one second: the unit audio is held and freed in
AHEAD_WINDOWS = 4  # agent audio queued ahead of the caller may stretch the window this far
LATE_MARGIN = 8000  # samples (1 s) kept in memory behind the caller, for frames out of order
CALLER, AGENT = 0, 1


class HeldTrack:
    """One side's audio held in memory: fixed-size blocks keyed by their position in the call.

    Blocks are allocated as audio arrives and freed as it is spooled, never grown or shifted, so
    a long call keeps reusing a few same-sized allocations. A growing buffer trimmed at the
    front would instead keep the capacity of its largest moment and, reallocated at sizes
    the allocator cannot reuse, leave the heap fragmented: resident memory then creeps up
    with the call's length. A block that was never written is silence.
    """

    def __init__(self, block: int):
        self.block = block
        self.silence = bytes([ULAW_SILENCE]) * block
        self.blocks: dict[int, bytearray] = {}

    @property
    def held_bytes(self) -> int:
        """Bytes of audio allocated for this side."""
        return len(self.blocks) * self.block

    def write(self, start: int, data: bytes) -> None:
        """Put data at sample start (absolute)."""
        view, at = memoryview(data), 0
        while at < len(view):
            index, offset = divmod(start + at, self.block)
            part = min(len(view) - at, self.block - offset)
            block = self.blocks.get(index)
            if block is None:
                block = self.blocks[index] = bytearray(self.silence)
            block[offset : offset + part] = view[at : at + part]
            at += part

    def read(self, start: int, count: int) -> bytes:
        """count samples from sample start, silence where nothing was written."""
        parts, at, end = [], start, start + count
        while at < end:
            index, offset = divmod(at, self.block)
            part = min(end - at, self.block - offset)
            block = self.blocks.get(index)
            parts.append(self.silence[:part] if block is None else block[offset : offset + part])
            at += part
        return b"".join(parts)

    def silence_from(self, start: int) -> None:
        """Everything from sample start on becomes silence."""
        index, offset = divmod(start, self.block)
        for later in [i for i in self.blocks if i > index]:
            del self.blocks[later]
        block = self.blocks.get(index)
        if block is not None:
            block[offset:] = self.silence[offset:]

    def drop_before(self, sample: int) -> None:
        """Free the blocks that end at or before sample (they are on disk now)."""
        for index in [i for i in self.blocks if (i + 1) * self.block <= sample]:
            del self.blocks[index]

    def clear(self) -> None:
        """Free every block."""
        self.blocks.clear()


class StereoRecording:
    """Both sides of a call: the last seconds in memory as mu-law, the rest spooled to disk."""

    def __init__(
        self,
        max_seconds: float = MAX_SECONDS,
        window_seconds: float = WINDOW_SECONDS,
        spool: Spool | None = None,
    ):
        self.max_samples = int(max_seconds * 8000)
        self.window = max(1, int(window_seconds * 8000))
        self.base = 0  # first sample held in memory; samples before it are on disk
        block = min(BLOCK_SAMPLES, max(1, self.window // 4))
        self.tracks = (HeldTrack(block), HeldTrack(block))  # caller, agent from `base` on
        self.length = 0  # samples in the recording so far
        self.agent_cursor = 0  # sample where the next agent chunk starts playing
        self.caller_end = 0  # end of the latest caller frame: where the call is now
        self.spool = spool if spool is not None else Spool()  # the audio of [0, base) on disk

    @property
    def held_bytes(self) -> int:
        """Audio bytes held in memory (bounded by the window, one chunk and two blocks a side)."""
        return self.tracks[CALLER].held_bytes + self.tracks[AGENT].held_bytes

    def caller_frame(self, timestamp_ms: int, ulaw: bytes) -> None:
        """A caller frame at its stream timestamp."""
        self.caller_end = max(
            self.caller_end, self._place(CALLER, timestamp_ms * SAMPLES_PER_MS, ulaw)
        )

    def agent_chunk_sent(self, now_ms: int, ulaw: bytes) -> None:
        """An agent chunk sent at stream time now_ms: it plays after what is already queued."""
        start = max(now_ms * SAMPLES_PER_MS, self.agent_cursor)
        self.agent_cursor = self._place(AGENT, start, ulaw)

    def cleared(self, now_ms: int) -> None:
        """Twilio dropped its buffer at now_ms: remove agent audio scheduled after that."""
        cut = max(0, now_ms * SAMPLES_PER_MS)
        if cut < self.base:
            self._patch_spool(AGENT, cut, bytes([ULAW_SILENCE]) * (self.base - cut))
        self.tracks[AGENT].silence_from(max(cut, self.base))
        self.agent_cursor = min(self.agent_cursor, cut)

    def _place(self, side: int, start: int, ulaw: bytes) -> int:
        """Write ulaw at sample start of one side (padding with silence); returns its end."""
        start = max(0, start)
        end = min(start + len(ulaw), self.max_samples)
        if end <= start:
            return start
        data = ulaw[: end - start]
        self.length = max(self.length, end)
        if start < self.base:  # before the window: already on disk
            head = min(end, self.base) - start
            self._patch_spool(side, start, data[:head])
            data, start = data[head:], start + head
            if not data:
                return end
        if end - self.base > self.window:
            self._spool_until(self._new_base(start, end))
        self.tracks[side].write(start, data)
        return end

    def _new_base(self, start: int, end: int) -> int:
        """Where the window starts once [start, end) is placed.

        Half a window is kept before `end`. Agent audio queued far ahead of the caller would
        push audio the caller is still producing to disk (a disk patch per frame), so the window
        stretches to keep a second behind the caller, up to AHEAD_WINDOWS windows.
        """
        target = min(start, end - self.window // 2)
        behind_caller = min(target, self.caller_end - LATE_MARGIN)
        if end - behind_caller <= AHEAD_WINDOWS * self.window:
            return max(self.base, behind_caller)
        return target

    def _spool_until(self, new_base: int) -> None:
        """Hand the audio before sample new_base from memory to the spool."""
        while self.base < new_base:  # a window at a time: a long gap costs no memory
            count = min(new_base - self.base, self.window)
            sides = [track.read(self.base, count) for track in self.tracks]
            for track in self.tracks:
                track.drop_before(self.base + count)
            self.spool.write(self.base, *sides)
            self.base += count

    def _patch_spool(self, side: int, start: int, ulaw: bytes) -> None:
        """Overwrite one side of audio already spooled (a late frame or a clear)."""
        for at in range(0, len(ulaw), self.window):
            self.spool.patch(side, start + at, ulaw[at : at + self.window])

    def save(self, path: Path) -> None:
        """Write the finished WAV to path (blocking: run it in a thread); the spool is closed.

        Raises OSError when the audio could not be written to disk during the call or now.
        """
        self._spool_until(self.length)
        self.spool.finish(self.length, path)
        self.discard()

    def discard(self) -> None:
        """Drop the recording: the spool file is closed (and so deleted)."""
        self.spool.close()
        for track in self.tracks:
            track.clear()

    def to_wav(self) -> bytes:
        """Stereo 16-bit PCM WAV at 8 kHz, caller left, agent right (for tests and small calls)."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "recording.wav"
            self.save(path)
            return path.read_bytes()
