"""The 8 kHz <-> 24 kHz resamplers meet their filter spec and stream without seams."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calls.live.audio import (
    FILTER_TAPS,
    GROUP_DELAY_8K,
    GROUP_DELAY_24K,
    LOWPASS_TAPS,
    PASSBAND_EDGE_HZ,
    PASSBAND_RIPPLE_DB,
    STOPBAND_EDGE_HZ,
    STOPBAND_REJECTION_DB,
    Downsampler24kTo8k,
    Pcm24kToUlaw,
    UlawToPcm24k,
    Upsampler8kTo24k,
    ulaw_decode,
    ulaw_encode,
)

LOW_RATE = 8000
HIGH_RATE = 24000
FRAME_8K = 160  # one 20 ms Twilio media frame
FRAME_24K = 480
AMPLITUDE = 20000
# Sine-based checks compare amplitudes, so they may miss the spec by rounding noise alone.
SINE_TOLERANCE_DB = 0.02
ROUND_TRIP_SNR_DB = 60.0
ULAW_ROUND_TRIP_SNR_DB = 50.0


def tone(frequency: float, rate: int, seconds: float = 1.2, amplitude: float = AMPLITUDE):
    """Return a rounded int16 sine."""
    t = np.arange(round(rate * seconds)) / rate
    return np.round(amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.int16)


def tone_amplitude(signal: np.ndarray, frequency: float, rate: int) -> float:
    """Return the amplitude of one frequency over the last whole second, past any start-up."""
    steady = signal[-rate:].astype(np.float64)
    phasor = np.exp(-2j * np.pi * frequency * np.arange(rate) / rate)
    return 2 * abs(steady @ phasor) / rate


def gain_db(measured: float, reference: float) -> float:
    """Return a ratio of amplitudes in decibels (-inf when nothing was measured)."""
    with np.errstate(divide="ignore"):
        return 20 * np.log10(measured / reference)


def snr_db(expected: np.ndarray, actual: np.ndarray) -> float:
    """Return the signal-to-noise ratio of actual against expected (inf when identical)."""
    signal = np.sum(expected.astype(np.float64) ** 2)
    noise = np.sum((actual.astype(np.float64) - expected) ** 2)
    with np.errstate(divide="ignore"):
        return 10 * np.log10(signal / noise)


def process_in_frames(resampler, signal: np.ndarray, frame: int) -> list[np.ndarray]:
    """Feed a signal through a resampler in fixed-size frames and return each frame's output."""
    return [resampler.process(signal[i : i + frame]) for i in range(0, len(signal), frame)]


def filter_response_db(frequencies: np.ndarray) -> np.ndarray:
    """Return the magnitude response of the shared low-pass taps at 24 kHz, in dB."""
    n = np.arange(FILTER_TAPS)
    response = np.exp(-2j * np.pi * np.outer(frequencies, n) / HIGH_RATE) @ LOWPASS_TAPS
    return 20 * np.log10(np.abs(response))


def test_the_filter_taps_meet_the_passband_ripple_spec():
    response = filter_response_db(np.linspace(0, PASSBAND_EDGE_HZ, 2000))

    assert np.abs(response).max() <= PASSBAND_RIPPLE_DB


def test_the_filter_taps_meet_the_stopband_rejection_spec():
    spectrum = np.abs(np.fft.rfft(LOWPASS_TAPS, 1 << 18))
    frequencies = np.fft.rfftfreq(1 << 18, 1 / HIGH_RATE)

    stopband = spectrum[frequencies >= STOPBAND_EDGE_HZ]
    assert -20 * np.log10(stopband.max()) >= STOPBAND_REJECTION_DB


def test_the_filter_is_symmetric_with_unity_dc_gain_and_the_documented_delay():
    assert len(LOWPASS_TAPS) == FILTER_TAPS
    assert np.array_equal(LOWPASS_TAPS, LOWPASS_TAPS[::-1])
    assert LOWPASS_TAPS.sum() == 1.0
    assert GROUP_DELAY_24K == (FILTER_TAPS - 1) / 2 == 3 * GROUP_DELAY_8K


def test_fixed_point_sums_stay_exact_in_float64_so_chunking_cannot_change_rounding():
    largest_q20_sum = 32768 * 3 * np.abs(LOWPASS_TAPS).sum() * 2**20

    assert largest_q20_sum < 2**53


@pytest.mark.parametrize("frequency", [300, 1000, 2000, 3000, 3400])
def test_upsampling_keeps_passband_tones_within_the_ripple_spec(frequency):
    output = Upsampler8kTo24k().process(tone(frequency, LOW_RATE))

    measured = tone_amplitude(output, frequency, HIGH_RATE)
    expected = tone_amplitude(tone(frequency, HIGH_RATE), frequency, HIGH_RATE)
    assert abs(gain_db(measured, expected)) <= PASSBAND_RIPPLE_DB + SINE_TOLERANCE_DB


@pytest.mark.parametrize("frequency", [300, 1000, 2000, 3000, 3400])
def test_downsampling_keeps_passband_tones_within_the_ripple_spec(frequency):
    output = Downsampler24kTo8k().process(tone(frequency, HIGH_RATE))

    measured = tone_amplitude(output, frequency, LOW_RATE)
    expected = tone_amplitude(tone(frequency, LOW_RATE), frequency, LOW_RATE)
    assert abs(gain_db(measured, expected)) <= PASSBAND_RIPPLE_DB + SINE_TOLERANCE_DB


@pytest.mark.parametrize("frequency", [4100, 4600, 5000, 6000, 7000, 9000, 11000])
def test_downsampling_rejects_tones_that_would_alias(frequency):
    output = Downsampler24kTo8k().process(tone(frequency, HIGH_RATE))

    alias = abs(frequency - LOW_RATE * round(frequency / LOW_RATE))
    leaked = tone_amplitude(output, alias, LOW_RATE)
    assert gain_db(leaked, AMPLITUDE) <= -STOPBAND_REJECTION_DB


def test_downsampling_a_5khz_tone_attenuates_its_3khz_alias_by_the_rejection_spec():
    output = Downsampler24kTo8k().process(tone(5000, HIGH_RATE))

    steady = output[-LOW_RATE:].astype(np.float64)
    rms = np.sqrt(np.mean(steady**2))
    assert gain_db(rms * np.sqrt(2), AMPLITUDE) <= -STOPBAND_REJECTION_DB


@pytest.mark.parametrize("frequency", [300, 1000, 3400])
def test_upsampling_suppresses_spectral_images(frequency):
    output = Upsampler8kTo24k().process(tone(frequency, LOW_RATE))

    for image in (LOW_RATE - frequency, LOW_RATE + frequency, 2 * LOW_RATE - frequency):
        leaked = tone_amplitude(output, image, HIGH_RATE)
        assert gain_db(leaked, AMPLITUDE) <= -STOPBAND_REJECTION_DB


def test_a_1khz_sine_survives_8k_to_24k_to_8k_with_at_least_60_db_snr():
    original = tone(1000, LOW_RATE, seconds=2.0)

    result = Downsampler24kTo8k().process(Upsampler8kTo24k().process(original))

    # Each direction delays by GROUP_DELAY_8K; skip the start-up transient as well.
    delay = 2 * GROUP_DELAY_8K
    expected = original[:-delay][FILTER_TAPS:]
    assert snr_db(expected, result[delay:][FILTER_TAPS:]) >= ROUND_TRIP_SNR_DB


def test_the_upsampler_delays_an_impulse_by_the_documented_group_delay():
    impulse = np.zeros(100, dtype=np.int16)
    impulse[10] = 10000

    output = Upsampler8kTo24k().process(impulse)

    assert int(np.argmax(output)) == 3 * 10 + GROUP_DELAY_24K


def test_the_downsampler_delays_an_impulse_by_the_documented_group_delay():
    impulse = np.zeros(300, dtype=np.int16)
    impulse[30] = 10000

    output = Downsampler24kTo8k().process(impulse)

    assert int(np.argmax(output)) == 10 + GROUP_DELAY_8K


def test_20ms_frames_upsample_exactly_like_the_whole_signal():
    signal = tone(1000, LOW_RATE) // 2 + tone(3100, LOW_RATE) // 2

    framed = process_in_frames(Upsampler8kTo24k(), signal, FRAME_8K)

    assert all(len(out) == 3 * FRAME_8K for out in framed)
    assert np.array_equal(np.concatenate(framed), Upsampler8kTo24k().process(signal))


def test_20ms_frames_downsample_exactly_like_the_whole_signal():
    signal = tone(1000, HIGH_RATE) // 2 + tone(3100, HIGH_RATE) // 2

    framed = process_in_frames(Downsampler24kTo8k(), signal, FRAME_24K)

    assert all(len(out) == FRAME_24K // 3 for out in framed)
    assert np.array_equal(np.concatenate(framed), Downsampler24kTo8k().process(signal))


def largest_step_at_frame_edges(frames: list[np.ndarray]) -> tuple[int, int]:
    """Return the largest sample-to-sample step across frame edges and inside frames."""
    joined = np.concatenate(frames).astype(np.int32)
    steps = np.abs(np.diff(joined))
    edges = np.cumsum([len(frame) for frame in frames[:-1]]) - 1
    inside = np.delete(steps, edges)
    return int(steps[edges].max()), int(inside.max())


def test_frame_edges_show_no_jump_larger_than_inside_a_frame():
    signal = tone(1000, LOW_RATE)

    frames = process_in_frames(Upsampler8kTo24k(), signal, FRAME_8K)[1:]

    at_edges, inside = largest_step_at_frame_edges(frames)
    assert at_edges <= inside


def test_the_edge_check_catches_a_resampler_that_forgets_its_state():
    signal = tone(1000, LOW_RATE)

    frames = [
        Upsampler8kTo24k().process(signal[i : i + FRAME_8K])
        for i in range(0, len(signal), FRAME_8K)
    ]

    at_edges, inside = largest_step_at_frame_edges(frames[1:])
    assert at_edges > inside


def test_the_downsampler_emits_output_m_once_input_3m_arrives():
    downsampler = Downsampler24kTo8k()

    lengths = [len(downsampler.process(np.ones(n, dtype=np.int16))) for n in (1, 1, 1, 2, 4)]

    assert lengths == [1, 0, 0, 1, 1]


def test_overshoot_clips_instead_of_wrapping():
    # A full-scale square wave rings past full scale at its edges (Gibbs); wrapping would flip
    # those samples to the opposite sign.
    square = np.tile(np.repeat(np.array([32767, -32768], dtype=np.int16), 12), 40)
    stuffed = np.zeros(3 * len(square))
    stuffed[::3] = square

    upsampled = Upsampler8kTo24k().process(square)
    downsampled = Downsampler24kTo8k().process(np.repeat(square, 3))

    up_reference = np.round(np.convolve(stuffed, 3 * LOWPASS_TAPS)[: len(stuffed)])
    down_reference = np.round(np.convolve(np.repeat(square, 3), LOWPASS_TAPS)[::3])
    for output, reference in ((upsampled, up_reference), (downsampled, down_reference)):
        assert reference.max() > 32767 and reference.min() < -32768
        assert np.array_equal(output, np.clip(reference[: len(output)], -32768, 32767))


def test_empty_chunks_produce_empty_output_and_leave_state_alone():
    upsampler, downsampler = Upsampler8kTo24k(), Downsampler24kTo8k()
    signal = tone(1000, LOW_RATE, seconds=0.1)

    first = upsampler.process(signal[:80])
    assert upsampler.process(np.zeros(0, dtype=np.int16)).size == 0
    second = upsampler.process(signal[80:])
    down = [downsampler.process(part) for part in (first, np.zeros(0, np.int16), second)]

    assert np.array_equal(np.concatenate((first, second)), Upsampler8kTo24k().process(signal))
    assert np.concatenate(down).size == len(signal)


def split_at(data: bytes, cuts: list[int]) -> list[bytes]:
    """Split bytes at the given (unsorted, possibly repeated) offsets."""
    edges = [0, *sorted(min(cut, len(data)) for cut in cuts), len(data)]
    return [data[start:end] for start, end in zip(edges, edges[1:], strict=False)]


@settings(max_examples=50, deadline=None)
@given(st.binary(min_size=0, max_size=1200), st.lists(st.integers(0, 1200), max_size=8))
def test_any_chunking_of_ulaw_input_gives_the_same_24k_pcm(data, cuts):
    transcoder = UlawToPcm24k()

    chunked = b"".join(transcoder.convert(part) for part in split_at(data, cuts))

    assert chunked == UlawToPcm24k().convert(data)
    assert len(chunked) == 6 * len(data)


@settings(max_examples=50, deadline=None)
@given(st.binary(min_size=0, max_size=3600), st.lists(st.integers(0, 3600), max_size=8))
def test_any_chunking_of_24k_pcm_input_gives_the_same_ulaw(data, cuts):
    transcoder = Pcm24kToUlaw()

    chunked = b"".join(transcoder.convert(part) for part in split_at(data, cuts))

    assert chunked == Pcm24kToUlaw().convert(data)
    samples = len(data) // 2
    assert len(chunked) == -(-samples // 3)


def test_ulaw_audio_survives_the_bridge_round_trip_nearly_unchanged():
    original = ulaw_encode(tone(1000, LOW_RATE, seconds=2.0) // 2 + tone(2500, LOW_RATE, 2.0) // 4)
    to_openai, to_twilio = UlawToPcm24k(), Pcm24kToUlaw()

    frames = [original[i : i + FRAME_8K] for i in range(0, len(original), FRAME_8K)]
    returned = b"".join(to_twilio.convert(to_openai.convert(frame)) for frame in frames)

    delay = 2 * GROUP_DELAY_8K
    expected = ulaw_decode(original[:-delay])[FILTER_TAPS:]
    actual = ulaw_decode(returned[delay:])[FILTER_TAPS:]
    assert snr_db(expected, actual) >= ULAW_ROUND_TRIP_SNR_DB
