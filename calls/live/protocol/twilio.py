"""Twilio Media Streams messages: parse what Twilio sends, build what we send. Pure, no I/O."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

MAX_FRAME_BYTES = 64 * 1024
SID_PATTERN = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")
# Payloads are put into outgoing JSON by hand (hot path), so they must be plain base64.
BASE64_PATTERN = re.compile(r"[A-Za-z0-9+/]*={0,2}")


class InvalidTwilioMessage(ValueError):
    """A frame that is not a well-formed Twilio Media Streams message."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Connected:
    """First frame of a stream."""

    protocol: str


@dataclass(frozen=True, slots=True)
class Start:
    """Stream metadata: sids, custom parameters and the (fixed) media format."""

    stream_sid: str
    account_sid: str
    call_sid: str
    custom_parameters: dict = field(default_factory=dict)
    media_format: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Media:
    """20 ms of caller audio: base64 mu-law, with Twilio's stream clock in ms."""

    stream_sid: str
    payload: str
    timestamp_ms: int


@dataclass(frozen=True, slots=True)
class Dtmf:
    """A key the caller pressed."""

    stream_sid: str
    digit: str


@dataclass(frozen=True, slots=True)
class Mark:
    """Twilio echoing a mark we sent: the audio before it was played or cleared."""

    stream_sid: str
    name: str


@dataclass(frozen=True, slots=True)
class Stop:
    """The stream ended (the caller hung up or the call moved on)."""

    stream_sid: str


TwilioMessage = Connected | Start | Media | Dtmf | Mark | Stop


def _require(data: dict, key: str, kind=str):
    """Fetch a required field of the expected type or raise InvalidTwilioMessage."""
    value = data.get(key)
    if not isinstance(value, kind):
        raise InvalidTwilioMessage(f"field {key!r} missing or not {kind.__name__}")
    return value


def _parse_start(data: dict) -> Start:
    start = _require(data, "start", dict)
    custom = start.get("customParameters") or {}
    if not isinstance(custom, dict):
        raise InvalidTwilioMessage("customParameters is not an object")
    return Start(
        stream_sid=_require(data, "streamSid"),
        account_sid=_require(start, "accountSid"),
        call_sid=_require(start, "callSid"),
        custom_parameters={str(k): str(v) for k, v in custom.items()},
        media_format=start.get("mediaFormat") or {},
    )


def _parse_media(data: dict) -> Media:
    media = _require(data, "media", dict)
    timestamp = media.get("timestamp", "0")
    try:
        timestamp_ms = int(timestamp)
    except (TypeError, ValueError, OverflowError):
        raise InvalidTwilioMessage("media.timestamp is not a number") from None
    payload = _require(media, "payload")
    if not is_base64(payload):
        raise InvalidTwilioMessage("media.payload is not base64")
    return Media(_require(data, "streamSid"), payload, timestamp_ms)


def _parse_dtmf(data: dict) -> Dtmf:
    digit = _require(_require(data, "dtmf", dict), "digit")
    if len(digit) != 1 or digit not in "0123456789*#ABCD":
        raise InvalidTwilioMessage("dtmf.digit is not a key")
    return Dtmf(_require(data, "streamSid"), digit)


PARSERS = {
    "connected": lambda data: Connected(str(data.get("protocol", ""))),
    "start": _parse_start,
    "media": _parse_media,
    "dtmf": _parse_dtmf,
    "mark": lambda data: Mark(
        _require(data, "streamSid"), _require(_require(data, "mark", dict), "name")
    ),
    "stop": lambda data: Stop(_require(data, "streamSid")),
}


# The frame Twilio sends 50 times a second per call, in its fixed compact shape. A frame this
# matches parses to exactly what json + _parse_media give (JSON strings without escapes or
# control characters are literal); anything else, spaces or key order included, takes that path.
_JSON_TEXT = r'[^"\\\x00-\x1f]*'
_MEDIA_FRAME = re.compile(
    r'\{"event":"media","sequenceNumber":"\d{1,18}",'
    rf'(?:"streamSid":"(?P<sid>{_JSON_TEXT})",)?'
    r'"media":\{"track":"inbound","chunk":"\d{1,18}","timestamp":"(?P<timestamp>\d{1,18})",'
    r'"payload":"(?P<payload>[A-Za-z0-9+/]*={0,2})"\}'
    rf'(?(sid)|,"streamSid":"(?P<sid_last>{_JSON_TEXT})")\}}'
)


def parse_twilio_message(text: str) -> TwilioMessage:
    """Parse one text frame from Twilio; raise InvalidTwilioMessage with a short reason."""
    if len(text) > MAX_FRAME_BYTES:
        raise InvalidTwilioMessage("frame larger than 64 KiB")
    media = _MEDIA_FRAME.fullmatch(text)
    if media is not None:  # hot path: skips json and the generic checks, same result
        sid, timestamp, payload, sid_last = media.groups()
        return Media(sid if sid is not None else sid_last, payload, int(timestamp))
    return parse_generic(text)


def parse_generic(text: str) -> TwilioMessage:
    """Any frame through json and the per-event checks (what the media fast path must equal)."""
    try:
        data = _DECODER.decode(text)
    except (ValueError, RecursionError):
        raise InvalidTwilioMessage("not JSON") from None
    if not isinstance(data, dict):
        raise InvalidTwilioMessage("not a JSON object")
    event = data.get("event")
    parser = PARSERS.get(event) if isinstance(event, str) else None
    if parser is None:
        raise InvalidTwilioMessage(f"unknown event {str(data.get('event'))[:40]!r}")
    return parser(data)


def _refuse_constant(name: str):
    """NaN and Infinity are not JSON: Twilio never sends them."""
    raise ValueError(f"{name} is not JSON")


# One decoder for every frame: json.loads with options would build a new one per call.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def is_base64(text: str) -> bool:
    """Whether text holds only base64 characters (safe to place inside JSON as is)."""
    return BASE64_PATTERN.fullmatch(text) is not None


def build_media(stream_sid: str, payload_b64: str) -> str:
    """Outbound audio: only the documented fields (extra fields are Twilio error 31951)."""
    return f'{{"event":"media","streamSid":"{stream_sid}","media":{{"payload":"{payload_b64}"}}}}'


def build_mark(stream_sid: str, name: str) -> str:
    """A named mark, echoed by Twilio when the audio sent before it has played."""
    return f'{{"event":"mark","streamSid":"{stream_sid}","mark":{{"name":"{name}"}}}}'


def build_clear(stream_sid: str) -> str:
    """Drop every buffered outbound audio at Twilio (barge-in)."""
    return f'{{"event":"clear","streamSid":"{stream_sid}"}}'


def is_valid_sid(value: str, prefix: str) -> bool:
    """Whether value looks like a Twilio SID with this two-letter prefix."""
    return bool(SID_PATTERN.match(value)) and value.startswith(prefix)
