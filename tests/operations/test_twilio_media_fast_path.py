"""The media fast path parses exactly what the generic JSON path parses, or leaves it to it."""

import base64
import json

from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from calls.live.protocol.twilio import (
    _MEDIA_FRAME,
    InvalidTwilioMessage,
    Media,
    parse_generic,
    parse_twilio_message,
)

SID = "MZ" + "18ad3ab5a668481ce02b83e7395059f0"
PAYLOAD = base64.b64encode(bytes(range(160))).decode()
TWILIO_FRAME = (  # Twilio's documented media message, as it arrives: compact, streamSid last
    '{"event":"media","sequenceNumber":"3","media":{"track":"inbound","chunk":"1",'
    f'"timestamp":"5","payload":"{PAYLOAD}"}},"streamSid":"{SID}"}}'
)


def outcome(parse, text):
    """What a parser makes of a frame: the message, or the refusal's reason."""
    try:
        return parse(text)
    except InvalidTwilioMessage as error:
        return ("refused", error.reason)


def test_twilios_own_media_frame_takes_the_fast_path_and_parses_as_before():
    assert _MEDIA_FRAME.fullmatch(TWILIO_FRAME) is not None
    assert parse_twilio_message(TWILIO_FRAME) == Media(SID, PAYLOAD, 5)
    assert parse_twilio_message(TWILIO_FRAME) == parse_generic(TWILIO_FRAME)


def test_streamsid_first_also_takes_the_fast_path():
    frame = (
        f'{{"event":"media","sequenceNumber":"3","streamSid":"{SID}","media":{{"track":"inbound",'
        f'"chunk":"1","timestamp":"5","payload":"{PAYLOAD}"}}}}'
    )
    assert _MEDIA_FRAME.fullmatch(frame) is not None
    assert parse_twilio_message(frame) == Media(SID, PAYLOAD, 5)


def test_an_escaped_or_doubled_streamsid_is_left_to_json():
    escaped = TWILIO_FRAME.replace(SID, "MZ\\u0041" + "0" * 31)
    doubled = TWILIO_FRAME[:-1] + f',"streamSid":"MZ{"1" * 32}"}}'
    assert _MEDIA_FRAME.fullmatch(escaped) is None
    assert _MEDIA_FRAME.fullmatch(doubled) is None
    assert parse_twilio_message(escaped).stream_sid == "MZA" + "0" * 31
    assert parse_twilio_message(doubled).stream_sid == "MZ" + "1" * 32


def test_a_bad_payload_is_refused_as_before():
    frame = TWILIO_FRAME.replace(PAYLOAD, "not base64!")
    assert outcome(parse_twilio_message, frame) == ("refused", "media.payload is not base64")


text = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
digits = st.integers(0, 10**20).map(str)  # past 18 digits the fast path steps aside
frames = st.builds(
    lambda sid, seq, chunk, ts, payload, track, sid_first, spaced: json.dumps(
        {
            "event": "media",
            "sequenceNumber": seq,
            **({"streamSid": sid} if sid_first else {}),
            "media": {"track": track, "chunk": chunk, "timestamp": ts, "payload": payload},
            **({} if sid_first else {"streamSid": sid}),
        },
        separators=(", ", ": ") if spaced else (",", ":"),
        ensure_ascii=False,
    ),
    sid=st.just(SID) | text,
    seq=digits,
    chunk=digits,
    ts=digits | text,
    payload=st.just(PAYLOAD) | st.just("") | text,
    track=st.sampled_from(["inbound", "inbound", "inbound", "outbound", ""]),
    sid_first=st.booleans(),
    spaced=st.sampled_from([False, False, False, True]),
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(frames)
def test_any_media_frame_parses_the_same_with_or_without_the_fast_path(frame):
    assert outcome(parse_twilio_message, frame) == outcome(parse_generic, frame)
