"""The numpy G.711 mu-law codec agrees bit for bit with audioop, the reference implementation."""

import warnings

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from calls.live.audio import pcm16_bytes_to_ulaw, ulaw_decode, ulaw_encode, ulaw_to_pcm16_bytes

with warnings.catch_warnings():
    # audioop is deprecated (removed in 3.13) but is still the oracle on the 3.11 we ship.
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

ALL_CODES = bytes(range(256))
ALL_SAMPLES = np.arange(-32768, 32768, dtype=np.int16)
# 0x7F is mu-law's "negative zero": it decodes to 0, and 0 encodes as positive zero 0xFF.
NEGATIVE_ZERO = 0x7F
POSITIVE_ZERO = 0xFF

int16_lists = st.lists(st.integers(-32768, 32767), max_size=400)


def reference_decode(data: bytes) -> np.ndarray:
    """Decode with audioop as little-endian int16 samples."""
    return np.frombuffer(audioop.ulaw2lin(data, 2), dtype="<i2")


def reference_encode(samples: np.ndarray) -> bytes:
    """Encode with audioop from little-endian int16 samples."""
    return audioop.lin2ulaw(np.asarray(samples, dtype="<i2").tobytes(), 2)


def test_it_decodes_every_code_like_audioop():
    decoded = ulaw_decode(ALL_CODES)

    assert decoded.dtype == np.int16
    assert np.array_equal(decoded, reference_decode(ALL_CODES))


def test_it_encodes_every_int16_value_like_audioop():
    encoded = ulaw_encode(ALL_SAMPLES)

    assert len(encoded) == len(ALL_SAMPLES)
    assert encoded == reference_encode(ALL_SAMPLES)


def test_it_clips_full_scale_samples_to_the_extreme_codes_like_audioop():
    extremes = np.array([-32768, 32767], dtype=np.int16)

    assert ulaw_encode(extremes) == reference_encode(extremes) == bytes([0x00, 0x80])


def test_every_code_survives_a_round_trip_except_negative_zero():
    round_trip = ulaw_encode(ulaw_decode(ALL_CODES))

    assert round_trip == reference_encode(reference_decode(ALL_CODES))
    changed = [code for code in range(256) if round_trip[code] != code]
    assert changed == [NEGATIVE_ZERO]
    assert round_trip[NEGATIVE_ZERO] == POSITIVE_ZERO


def test_pcm_round_trip_matches_audioop_on_every_int16_value():
    round_trip = ulaw_decode(ulaw_encode(ALL_SAMPLES))

    assert np.array_equal(round_trip, reference_decode(reference_encode(ALL_SAMPLES)))


def test_empty_input_gives_empty_output():
    assert ulaw_decode(b"").size == 0
    assert ulaw_encode(np.zeros(0, dtype=np.int16)) == b""


@given(st.binary(max_size=2000))
def test_random_bytes_decode_like_audioop(data):
    assert np.array_equal(ulaw_decode(data), reference_decode(data))


@given(int16_lists)
def test_random_samples_encode_like_audioop(values):
    samples = np.array(values, dtype=np.int16)

    assert ulaw_encode(samples) == reference_encode(samples)


@given(int16_lists)
def test_pcm_round_trip_of_random_samples_matches_audioop(values):
    samples = np.array(values, dtype=np.int16)

    expected = reference_decode(reference_encode(samples))
    assert np.array_equal(ulaw_decode(ulaw_encode(samples)), expected)


@given(int16_lists)
def test_encoding_a_decoded_encoding_changes_nothing(values):
    encoded = ulaw_encode(np.array(values, dtype=np.int16))

    assert ulaw_encode(ulaw_decode(encoded)) == encoded


@given(st.binary(max_size=2000))
def test_byte_helpers_speak_little_endian_pcm16_like_audioop(data):
    pcm = ulaw_to_pcm16_bytes(data)

    assert pcm == audioop.ulaw2lin(data, 2)
    assert pcm16_bytes_to_ulaw(pcm) == audioop.lin2ulaw(pcm, 2)
