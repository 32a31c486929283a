"""Audio formats of the Realtime API (§7) and the test tone the fake speaks with."""

from __future__ import annotations

import numpy as np

from calls.live.audio import ulaw_decode, ulaw_encode

BYTES_PER_MS = {"audio/pcm": 48, "audio/pcmu": 8, "audio/pcma": 8}
SAMPLE_RATE = {"audio/pcm": 24000, "audio/pcmu": 8000, "audio/pcma": 8000}
TONE_DBFS = -12.0
FADE_MS = 10
FULL_SCALE = 32768.0


def bytes_per_ms(audio_format: dict) -> int:
    """Return how many bytes one millisecond takes in `audio_format` (48 for pcm, 8 for G.711)."""
    return BYTES_PER_MS[audio_format["type"]]


def sample_rate(audio_format: dict) -> int:
    """Return the sample rate of `audio_format`."""
    return SAMPLE_RATE[audio_format["type"]]


def decode(data: bytes, audio_format: dict) -> np.ndarray:
    """Decode wire bytes to int16 samples at the format's own rate."""
    kind = audio_format["type"]
    if kind == "audio/pcmu":
        return ulaw_decode(data)
    if kind == "audio/pcma":
        return np.frombuffer(_alaw_codec().alaw2lin(data, 2), dtype="<i2")
    usable = len(data) & ~1
    return np.frombuffer(data, dtype="<i2", count=usable // 2).astype(np.int16)


def encode(samples: np.ndarray, audio_format: dict) -> bytes:
    """Encode int16 samples to wire bytes in `audio_format`."""
    kind = audio_format["type"]
    pcm = np.asarray(samples, dtype=np.int16)
    if kind == "audio/pcmu":
        return ulaw_encode(pcm)
    if kind == "audio/pcma":
        return _alaw_codec().lin2alaw(pcm.astype("<i2").tobytes(), 2)
    return pcm.astype("<i2").tobytes()


def _alaw_codec():
    """Return the stdlib A-law codec; calls.live.audio only speaks mu-law, which Twilio uses."""
    # Imported lazily: audioop is deprecated and only needed when a session picks pcma.
    import audioop

    return audioop


def tone_hz(response_index: int) -> float:
    """Return the tone frequency that identifies the n-th response: 220, 440, 660, 880 Hz, ..."""
    return 220.0 * (1 + response_index % 4)


def tone(duration_ms: int, rate: int, response_index: int) -> np.ndarray:
    """Return a sine at −12 dBFS with 10 ms fades, so tests can tell responses apart by pitch."""
    count = int(rate * duration_ms / 1000)
    times = np.arange(count) / rate
    amplitude = FULL_SCALE * 10 ** (TONE_DBFS / 20)
    wave = amplitude * np.sin(2 * np.pi * tone_hz(response_index) * times)
    fade = min(count // 2, rate * FADE_MS // 1000)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade)
        wave[:fade] *= ramp
        wave[-fade:] *= ramp[::-1]
    return np.round(wave).astype(np.int16)


def rms_dbfs(samples: np.ndarray) -> float:
    """Return the RMS level of int16 samples in dBFS (−inf for digital silence)."""
    if samples.size == 0:
        return float("-inf")
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))
    return 20 * np.log10(rms / FULL_SCALE) if rms > 0 else float("-inf")
