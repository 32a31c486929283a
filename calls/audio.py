"""G.711 mu-law codec and 8 kHz <-> 24 kHz resampling for the Twilio/OpenAI audio bridge."""

import numpy as np

# G.711 constants as in the ITU reference code that audioop also follows.
_ULAW_BIAS = 0x84
_ULAW_CLIP = 8159  # largest 14-bit magnitude before the bias is added
_ULAW_SEGMENT_ENDS = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])


def _build_decode_table() -> np.ndarray:
    """Return the 256-entry mu-law code -> int16 sample table."""
    inverted = ~np.arange(256, dtype=np.int32) & 0xFF
    exponent = (inverted >> 4) & 0x07
    magnitude = (((inverted & 0x0F) << 3) + _ULAW_BIAS) << exponent
    return np.where(inverted & 0x80, _ULAW_BIAS - magnitude, magnitude - _ULAW_BIAS).astype(
        np.int16
    )


def _build_encode_table() -> np.ndarray:
    """Return the 65536-entry table indexed by the uint16 view of an int16 sample."""
    samples = np.arange(65536, dtype=np.int32)
    samples = np.where(samples >= 32768, samples - 65536, samples)
    # G.711 works on 14-bit samples; the arithmetic shift floors like audioop does.
    value = samples >> 2
    negative = value < 0
    mask = np.where(negative, 0x7F, 0xFF)
    magnitude = np.minimum(np.where(negative, -value, value), _ULAW_CLIP) + (_ULAW_BIAS >> 2)
    segment = np.searchsorted(_ULAW_SEGMENT_ENDS, magnitude, side="left")
    code = (segment << 4) | ((magnitude >> (segment + 1)) & 0x0F)
    # The clipped magnitude plus bias (8192) overflows segment 7; G.711 maps it to the top code.
    code = np.where(segment >= 8, 0x7F, code)
    return ((code ^ mask) & 0xFF).astype(np.uint8)


_DECODE_TABLE = _build_decode_table()
_ENCODE_TABLE = _build_encode_table()


def ulaw_decode(data: bytes) -> np.ndarray:
    """Decode G.711 mu-law bytes to int16 samples, exactly like audioop.ulaw2lin(data, 2)."""
    return _DECODE_TABLE[np.frombuffer(data, dtype=np.uint8)]


def ulaw_encode(samples: np.ndarray) -> bytes:
    """Encode int16 samples to G.711 mu-law bytes, exactly like audioop.lin2ulaw(pcm, 2)."""
    pcm = np.asarray(samples, dtype=np.int16)
    return _ENCODE_TABLE[pcm.view(np.uint16)].tobytes()
