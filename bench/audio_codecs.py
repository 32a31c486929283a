"""Time calls/live/audio.py vs audioop and pass-through: `python bench/audio_codecs.py`."""

import base64
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

# Run as a plain script, Python puts bench/ on the path, not the project root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from calls.live.audio import (
    Downsampler24kTo8k,
    Pcm24kToUlaw,
    UlawToPcm24k,
    Upsampler8kTo24k,
    ulaw_decode,
    ulaw_encode,
)

with warnings.catch_warnings():
    # audioop is only the yardstick here; it is deprecated and gone in Python 3.13.
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

FRAMES_PER_SECOND = 50  # Twilio sends one 20 ms frame at a time
FRAME_8K = 160
FRAME_24K = 480
REPEATS = 7
CALLS = 100


def median_seconds(work: Callable[[], object], loops: int, clock=time.process_time) -> float:
    """Return the median time per loop of `work` over REPEATS runs."""
    timings = []
    for _ in range(REPEATS):
        start = clock()
        for _ in range(loops):
            work()
        timings.append((clock() - start) / loops)
    return statistics.median(timings)


def speech_like_8k(seconds: float) -> np.ndarray:
    """Return noisy, amplitude-modulated tones so that every mu-law segment is exercised."""
    rng = np.random.default_rng(7)
    t = np.arange(round(8000 * seconds)) / 8000
    voice = np.sin(2 * np.pi * 220 * t) + 0.5 * np.sin(2 * np.pi * 1700 * t)
    envelope = 0.2 + 0.8 * np.abs(np.sin(2 * np.pi * 3 * t))
    signal = 12000 * envelope * voice + 300 * rng.standard_normal(t.size)
    return np.clip(signal, -32768, 32767).astype(np.int16)


def report_codec() -> None:
    """Print mu-law throughput per 20 ms frame and on one-second buffers, vs audioop."""
    print("mu-law codec (median of 7; ratio > 1 means calls/live/audio.py is faster)")
    for label, seconds, loops in (("20 ms frame", 0.02, 20000), ("1 s buffer", 1.0, 2000)):
        report_codec_row(label, speech_like_8k(seconds), loops)


def report_codec_row(label: str, samples: np.ndarray, loops: int) -> None:
    """Print encode and decode figures for one buffer size."""
    pcm_bytes = samples.astype("<i2").tobytes()
    codes = ulaw_encode(samples)
    rows = (
        ("encode", lambda: ulaw_encode(samples), lambda: audioop.lin2ulaw(pcm_bytes, 2)),
        ("decode", lambda: ulaw_decode(codes), lambda: audioop.ulaw2lin(codes, 2)),
    )
    # Throughput counts the 16-bit PCM side, the larger of the two buffers.
    megabytes = len(pcm_bytes) / 1e6
    for name, ours, theirs in rows:
        ours_s = median_seconds(ours, loops)
        theirs_s = median_seconds(theirs, loops)
        print(
            f"  {name} {label:11}: numpy {megabytes / ours_s:7.1f} MB/s "
            f"({1 / ours_s:7.0f} calls/s), audioop {megabytes / theirs_s:7.1f} MB/s "
            f"({1 / theirs_s:7.0f} calls/s), speed ratio numpy/audioop {theirs_s / ours_s:5.2f}"
        )


def report_resamplers() -> None:
    """Print resampler throughput as a real-time factor when fed 20 ms frames."""
    print("resamplers, 20 ms frames (real-time factor = audio seconds per CPU second)")
    frame_8k = speech_like_8k(0.02)
    frame_24k = np.repeat(frame_8k, 3)
    upsampler, downsampler = Upsampler8kTo24k(), Downsampler24kTo8k()
    for name, work in (
        ("8k -> 24k", lambda: upsampler.process(frame_8k)),
        ("24k -> 8k", lambda: downsampler.process(frame_24k)),
    ):
        seconds = median_seconds(work, 5000)
        print(f"  {name}: {seconds * 1e6:6.1f} us/frame, real-time factor {0.02 / seconds:7.0f}x")


def report_bridge() -> None:
    """Print CPU per call-second of PCM-mode transcoding vs mu-law pass-through."""
    print(f"bridge, one call-second = {FRAMES_PER_SECOND} frames each way, base64 included")
    frame_8k = speech_like_8k(0.02)
    ulaw_payload = base64.b64encode(ulaw_encode(frame_8k))
    # A 20 ms OpenAI delta; real deltas vary in size, which the transcoder handles the same.
    pcm_payload = base64.b64encode(np.repeat(frame_8k, 3).astype("<i2").tobytes())
    inbound, outbound = UlawToPcm24k(), Pcm24kToUlaw()

    def pcm_mode_call_second() -> None:
        for _ in range(FRAMES_PER_SECOND):
            base64.b64encode(inbound.convert(base64.b64decode(ulaw_payload)))
            base64.b64encode(outbound.convert(base64.b64decode(pcm_payload)))

    def pass_through_call_second() -> None:
        # In g711_ulaw mode both directions carry the same 160-byte mu-law payloads untouched.
        for _ in range(FRAMES_PER_SECOND):
            base64.b64encode(base64.b64decode(ulaw_payload))
            base64.b64encode(base64.b64decode(ulaw_payload))

    transcode = median_seconds(pcm_mode_call_second, 100)
    passthrough = median_seconds(pass_through_call_second, 100)
    for name, seconds in (("pass-through", passthrough), ("PCM transcoding", transcode)):
        print(
            f"  {name:15}: {seconds * 1e3:6.3f} ms CPU per call-second = "
            f"{seconds * 100:6.3f}% of one core per call, {seconds * CALLS * 100:5.1f}% "
            f"for {CALLS} calls"
        )
    print(f"  PCM transcoding costs {transcode / passthrough:.1f}x pass-through")


def main() -> None:
    """Run every benchmark and print the figures."""
    started = time.perf_counter()
    report_codec()
    report_resamplers()
    report_bridge()
    print(f"total wall time {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
