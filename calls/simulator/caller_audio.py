"""What the simulated caller says: silence, speech-like mu-law or a WAV file, in 20 ms frames."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from calls.live.audio import ulaw_encode

from .twilio_messages import FRAME_BYTES

SAMPLE_RATE = 8000
SILENCE_BYTE = b"\xff"  # mu-law zero; phone lines send it while nobody talks
FULL_SCALE = 32767.0


def silence(ms: int) -> bytes:
    """Return `ms` milliseconds of mu-law silence."""
    return SILENCE_BYTE * (ms * SAMPLE_RATE // 1000)


def frames(audio: bytes) -> list[bytes]:
    """Chop mu-law into 160-byte frames, padding the last one with silence."""
    padded = audio + SILENCE_BYTE * (-len(audio) % FRAME_BYTES)
    return [padded[i : i + FRAME_BYTES] for i in range(0, len(padded), FRAME_BYTES)]


class SpeechSignal:
    """A continuous voiced, syllable-paced signal that VAD treats as speech.

    A gliding 110–160 Hz fundamental with 1/k harmonics kept below Nyquist,
    shaped by a ~4 Hz syllable envelope, scaled so its RMS sits at the requested dBFS.
    Successive calls continue the same waveform, so back-to-back chunks have no clicks.
    """

    def __init__(self, seed: int = 0) -> None:
        self._position = 0  # samples generated so far
        self._phase = 0.0  # fundamental phase in radians, carried across chunks
        self._rng = np.random.default_rng(seed)

    def next(self, ms: int, level_dbfs: float = -20.0) -> bytes:
        """Return the next `ms` milliseconds as mu-law at `level_dbfs` RMS."""
        n = ms * SAMPLE_RATE // 1000
        if n == 0:
            return b""
        t = (self._position + np.arange(n)) / SAMPLE_RATE
        f0 = 135.0 + 25.0 * np.sin(2 * np.pi * 0.7 * t)
        phase = self._phase + np.cumsum(2 * np.pi * f0 / SAMPLE_RATE)
        self._phase = float(phase[-1])
        voiced = sum(np.sin(k * phase) / k for k in range(1, 26) if k * 160.0 < SAMPLE_RATE / 2.1)
        envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 4.0 * t) ** 2
        signal = voiced * envelope + 0.02 * self._rng.standard_normal(n)
        self._position += n
        return ulaw_encode(_scale_to_dbfs(signal, level_dbfs))


def _scale_to_dbfs(signal: np.ndarray, level_dbfs: float) -> np.ndarray:
    rms = float(np.sqrt(np.mean(signal**2))) or 1.0
    target = FULL_SCALE * 10 ** (level_dbfs / 20)
    scaled = np.clip(signal * (target / rms), -32768, 32767)
    return scaled.astype(np.int16)


def read_wav_ulaw(path: str | Path) -> bytes:
    """Read an 8 kHz mono 16-bit PCM WAV file and return it as mu-law bytes."""
    try:
        with wave.open(str(path), "rb") as wav:
            rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
            pcm = wav.readframes(wav.getnframes())
    except wave.Error as exc:
        raise ValueError(f"{path}: not a PCM WAV file ({exc})") from exc
    if (rate, channels, width) != (SAMPLE_RATE, 1, 2):
        raise ValueError(
            f"{path}: need 8000 Hz mono 16-bit PCM, got {rate} Hz, {channels} channel(s), "
            f"{8 * width}-bit; convert it first, e.g. `sox in.wav -r 8000 -c 1 -b 16 out.wav`"
        )
    return ulaw_encode(np.frombuffer(pcm, dtype="<i2"))
