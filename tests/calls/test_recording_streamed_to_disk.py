"""A recording is written to disk as the call goes: memory stays bounded, the WAV is the same."""

import io
import os
import threading
import wave
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from calls.live.audio import ulaw_decode
from calls.live.recording_spool import Spool
from calls.live.stereo_recording import StereoRecording

SILENCE = 0xFF


class InMemoryRecording:
    """The reference: the whole call in RAM, placed by the same rules (yesterday's recorder)."""

    def __init__(self, max_samples: int):
        self.max_samples = max_samples
        self.tracks = (bytearray(), bytearray())
        self.agent_cursor = 0

    def place(self, side: int, start: int, ulaw: bytes) -> int:
        start = max(0, start)
        end = min(start + len(ulaw), self.max_samples)
        if end <= start:
            return start
        track = self.tracks[side]
        track.extend(bytes([SILENCE]) * max(0, end - len(track)))
        track[start:end] = ulaw[: end - start]
        return end

    def caller_frame(self, ms: int, ulaw: bytes) -> None:
        self.place(0, ms * 8, ulaw)

    def agent_chunk_sent(self, ms: int, ulaw: bytes) -> None:
        self.agent_cursor = self.place(1, max(ms * 8, self.agent_cursor), ulaw)

    def cleared(self, ms: int) -> None:
        agent, cut = self.tracks[1], ms * 8
        if cut < len(agent):
            agent[cut:] = bytes([SILENCE]) * (len(agent) - cut)
        self.agent_cursor = min(self.agent_cursor, cut)

    def channels(self) -> tuple[np.ndarray, np.ndarray]:
        length = max(map(len, self.tracks))
        return tuple(ulaw_decode(bytes(t.ljust(length, bytes([SILENCE])))) for t in self.tracks)


def channels_of(wav_bytes: bytes) -> tuple[np.ndarray, np.ndarray]:
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, 8000)
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    return samples[0::2], samples[1::2]


audio = st.binary(min_size=1, max_size=400)
ms = st.integers(min_value=0, max_value=6000)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("caller_frame"), ms, audio),
        st.tuples(st.just("agent_chunk_sent"), ms, audio),
        st.tuples(st.just("cleared"), ms),
    ),
    max_size=60,
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(steps=steps, window_ms=st.integers(min_value=1, max_value=800))
def test_a_recording_spooled_to_disk_holds_a_window_and_equals_the_whole_call_in_memory(
    steps, window_ms
):
    streamed = StereoRecording(max_seconds=4, window_seconds=window_ms / 1000)
    reference = InMemoryRecording(max_samples=4 * 8000)
    for name, *args in steps:
        getattr(streamed, name)(*args)
        getattr(reference, name)(*args)
        block = streamed.tracks[0].block  # held audio is rounded out to whole blocks
        assert streamed.held_bytes <= 2 * (4 * window_ms * 8 + 400 + 2 * block)
    left, right = channels_of(streamed.to_wav())
    want_left, want_right = reference.channels()
    assert np.array_equal(left, want_left)
    assert np.array_equal(right, want_right)


def test_a_ten_minute_call_holds_no_more_audio_in_its_tenth_minute_than_in_its_first():
    recording = StereoRecording()
    frame, chunk = bytes(range(160)), bytes(range(96, 255)) + b"\x10" * 641
    peak_by_minute = {}
    for now_ms in range(0, 10 * 60_000, 20):
        recording.caller_frame(now_ms, frame)
        if now_ms % 8000 == 4000:  # the agent answers faster than it plays, and is cut now and then
            for _ in range(40):
                recording.agent_chunk_sent(now_ms, chunk)
        if now_ms % 24_000 == 6000:
            recording.cleared(now_ms)
        minute = now_ms // 60_000
        peak_by_minute[minute] = max(peak_by_minute.get(minute, 0), recording.held_bytes)
    recording.discard()
    assert 0 < peak_by_minute[9] <= peak_by_minute[0]
    assert peak_by_minute[0] <= 2 * 4 * 10 * 8000  # within the window's bound, far below a minute


class StalledDisk(ThreadPoolExecutor):
    """A spool thread whose disk hangs until `recovers()`: everything queued waits behind it."""

    def __init__(self):
        super().__init__(max_workers=1)
        self.gate = threading.Event()
        self.submit(self.gate.wait)

    def recovers(self) -> None:
        self.gate.set()


def test_a_disk_that_stalls_holds_up_no_audio_and_the_recording_is_complete_once_it_recovers():
    disk = StalledDisk()
    recording = StereoRecording(window_seconds=0.2, spool=Spool(disk))
    reference = InMemoryRecording(max_samples=10 * 8000)
    for now_ms in range(0, 5000, 20):  # 5 s of call against a 0.2 s window: 25 windows spooled
        frame = bytes([(now_ms // 20) % 250]) * 160
        recording.caller_frame(now_ms, frame)
        reference.caller_frame(now_ms, frame)
        if now_ms % 1000 == 500:
            chunk = bytes(range(100, 200)) * 8
            recording.agent_chunk_sent(now_ms, chunk)
            reference.agent_chunk_sent(now_ms, chunk)
        if now_ms == 3000:
            recording.cleared(2000)  # before the window: a patch of audio still waiting for disk
            reference.cleared(2000)
    assert recording.base > 0 and not recording.spool.last.done()  # all of it waits on the disk
    assert recording.held_bytes <= 2 * 4 * 0.2 * 8000 * 2  # yet memory holds only the window
    disk.recovers()
    left, right = channels_of(recording.to_wav())
    want_left, want_right = reference.channels()
    assert np.array_equal(left, want_left)
    assert np.array_equal(right, want_right)
    disk.shutdown()


class ReadOnlyDisk(Spool):
    """A spool whose file refuses writes, as a full or read-only volume does (a real OSError)."""

    def _file(self):
        if self.file is None:
            self.file = open(os.devnull, "rb")  # closed by the spool
        return self.file


def test_a_failed_disk_write_does_not_touch_the_call_and_saving_says_the_recording_is_lost(
    tmp_path, caplog
):
    recording = StereoRecording(window_seconds=0.1, spool=ReadOnlyDisk())
    for now_ms in range(0, 2000, 20):
        recording.caller_frame(now_ms, b"\x10" * 160)  # the call goes on: nothing raises here
    with pytest.raises(OSError):
        recording.save(tmp_path / "call.wav")
    assert not (tmp_path / "call.wav").exists()
    failures = [r for r in caplog.records if "will not be saved" in r.getMessage()]
    assert len(failures) == 1  # logged once, not once per spooled window
