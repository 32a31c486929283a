"""Stamp audio frames with who sent them and when, in near-silent mu-law bytes (pure).

CLOCK_MONOTONIC is system-wide on Linux, so a stamp written by one process with
time.monotonic() can be read by another on the same machine: latency = arrival - stamp, with no
correlation of frames needed. A stamp is a run of bytes 0xF0..0xFF, each carrying one nibble;
those mu-law codes decode to |x| <= 120 of 32768 (about -49 dBFS), far below the fake's VAD
threshold, so a stamped silent frame is still silence and a stamped speech frame still speech.
The last nibble is a checksum, so unstamped agent audio is not mistaken for a stamp.
"""

from __future__ import annotations

import base64
import time

CLOCK_BITS = 40  # microseconds modulo 2**40: wraps every 12.7 days, differences stay exact
CLOCK_MOD = 1 << CLOCK_BITS
INBOUND_FIELDS = (16, 24, CLOCK_BITS)  # call number, frame number, sent-at microseconds
OUTBOUND_FIELDS = (24, CLOCK_BITS)  # delta number, sent-at microseconds


def now_us() -> int:
    """The shared monotonic clock in microseconds, modulo 2**40."""
    return int(time.monotonic() * 1_000_000) % CLOCK_MOD


def age_us(stamp_us: int, now: int | None = None) -> int:
    """Microseconds elapsed since a stamp taken with now_us()."""
    return ((now_us() if now is None else now) - stamp_us) % CLOCK_MOD


def _nibbles(values: tuple[int, ...], widths: tuple[int, ...]) -> list[int]:
    nibbles = []
    for value, bits in zip(values, widths, strict=True):
        for shift in range(bits - 4, -4, -4):
            nibbles.append((value >> shift) & 0xF)
    checksum = 0x5
    for nibble in nibbles:
        checksum ^= nibble
    return [*nibbles, checksum]


def stamp_length(widths: tuple[int, ...]) -> int:
    """Bytes a stamp with these field widths takes."""
    return sum(bits // 4 for bits in widths) + 1


def write_stamp(frame: bytearray, values: tuple[int, ...], widths: tuple[int, ...]) -> None:
    """Overwrite the start of a mu-law frame with a stamp."""
    for index, nibble in enumerate(_nibbles(values, widths)):
        frame[index] = 0xF0 | nibble


def read_stamp(data: bytes, widths: tuple[int, ...]) -> tuple[int, ...] | None:
    """The values stamped at the start of a mu-law frame, or None when it carries no stamp."""
    length = stamp_length(widths)
    if len(data) < length or any(byte & 0xF0 != 0xF0 for byte in data[:length]):
        return None
    nibbles = [byte & 0xF for byte in data[:length]]
    checksum = 0x5
    for nibble in nibbles[:-1]:
        checksum ^= nibble
    if checksum != nibbles[-1]:
        return None
    values, position = [], 0
    for bits in widths:
        value = 0
        for nibble in nibbles[position : position + bits // 4]:
            value = value << 4 | nibble
        values.append(value)
        position += bits // 4
    return tuple(values)


def read_b64_stamp(payload_b64: str, widths: tuple[int, ...]) -> tuple[int, ...] | None:
    """read_stamp on a base64 payload, decoding only its first few bytes."""
    chars = (stamp_length(widths) + 2) // 3 * 4
    try:
        head = base64.b64decode(payload_b64[:chars])
    except ValueError:
        return None
    return read_stamp(head, widths)
