"""The caller's voice: speech-like frames at a set level, silence, and 8 kHz WAV files."""

import wave

import numpy as np
import pytest

from calls.live.audio import ulaw_decode
from calls.simulator.caller_audio import SpeechSignal, frames, read_wav_ulaw, silence


def rms_dbfs(ulaw: bytes) -> float:
    samples = ulaw_decode(ulaw).astype(float)
    return 20 * np.log10(np.sqrt(np.mean(samples**2)) / 32767)


@pytest.mark.parametrize("level", [-20.0, -30.0])
def test_speech_sits_at_the_requested_level(level):
    assert rms_dbfs(SpeechSignal().next(1000, level)) == pytest.approx(level, abs=0.5)


def test_speech_has_a_syllable_rate_envelope():
    audio = ulaw_decode(SpeechSignal().next(1000)).astype(float)
    energy_per_20ms = np.sqrt((audio.reshape(50, 160) ** 2).mean(axis=1))
    assert energy_per_20ms.max() > 1.5 * energy_per_20ms.min()


def test_silence_is_mu_law_zero():
    assert silence(40) == b"\xff" * 320


def test_frames_pad_the_last_frame_with_silence():
    assert frames(b"\x01" * 161) == [b"\x01" * 160, b"\x01" + b"\xff" * 159]


def write_wav(path, rate=8000, channels=1, samples=None):
    samples = np.zeros(800, dtype="<i2") if samples is None else samples
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.tobytes())


def test_an_8khz_mono_wav_becomes_mu_law(tmp_path):
    write_wav(tmp_path / "hello.wav", samples=np.full(800, 1000, dtype="<i2"))
    ulaw = read_wav_ulaw(tmp_path / "hello.wav")
    assert len(ulaw) == 800
    assert abs(int(ulaw_decode(ulaw)[0]) - 1000) < 40


def test_other_sample_rates_are_refused_with_a_hint(tmp_path):
    write_wav(tmp_path / "wide.wav", rate=16000)
    with pytest.raises(ValueError, match="need 8000 Hz mono 16-bit PCM, got 16000 Hz"):
        read_wav_ulaw(tmp_path / "wide.wav")
