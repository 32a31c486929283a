"""Bad Twilio frames are refused by type, never by a crash, and a call survives a burst of them."""

import base64
import binascii
import json
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from calls.live.protocol.twilio import (
    Connected,
    Dtmf,
    InvalidTwilioMessage,
    Mark,
    Media,
    Start,
    Stop,
    parse_twilio_message,
)
from calls.models import Call
from calls.records import services
from calls.simulator.caller_audio import SpeechSignal
from tests.calls.streams import STREAM_SID, signed_stream, start
from tests.operations.fuzz import dumps, json_values, not_json, objects_with

EVENTS = ["connected", "start", "media", "dtmf", "mark", "stop"]

unit = hypothesis_settings(max_examples=100, deadline=None)
end_to_end = hypothesis_settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

twilio_shaped = st.fixed_dictionaries(
    {"event": st.sampled_from(EVENTS) | json_values},
    optional={
        "streamSid": st.just(STREAM_SID) | json_values,
        "sequenceNumber": json_values,
        "start": objects_with(["accountSid", "callSid", "customParameters", "mediaFormat"])
        | json_values,
        "media": objects_with(["payload", "timestamp", "track", "chunk"]) | json_values,
        "dtmf": objects_with(["digit", "track"]) | json_values,
        "mark": objects_with(["name"]) | json_values,
    },
).map(dumps)
any_frame = st.text(max_size=300) | not_json() | twilio_shaped


# --- the parser ------------------------------------------------------------------------------


@unit
@given(any_frame)
def test_any_text_parses_to_a_message_or_is_refused_with_a_reason(text):
    try:
        message = parse_twilio_message(text)
    except InvalidTwilioMessage as error:
        assert error.reason
        return
    assert isinstance(message, Connected | Start | Media | Dtmf | Mark | Stop)


@unit
@given(twilio_shaped)
def test_a_parsed_message_has_the_field_types_the_consumer_relies_on(text):
    try:
        message = parse_twilio_message(text)
    except InvalidTwilioMessage:
        return
    if isinstance(message, Media):
        assert isinstance(message.payload, str) and isinstance(message.timestamp_ms, int)
    if isinstance(message, Start):
        assert all(isinstance(s, str) for s in (message.stream_sid, message.call_sid))
        assert all(
            isinstance(k, str) and isinstance(v, str) for k, v in message.custom_parameters.items()
        )
    if isinstance(message, Dtmf | Mark | Stop | Media | Start):
        assert isinstance(message.stream_sid, str)


@unit
@given(st.binary(max_size=400), st.integers(min_value=0, max_value=2**40))
def test_a_real_media_frame_round_trips(audio, timestamp):
    payload = base64.b64encode(audio).decode()
    frame = {
        "event": "media",
        "sequenceNumber": "3",
        "streamSid": STREAM_SID,
        "media": {
            "track": "inbound",
            "chunk": "2",
            "timestamp": str(timestamp),
            "payload": payload,
        },
    }
    assert parse_twilio_message(json.dumps(frame)) == Media(STREAM_SID, payload, timestamp)


def test_an_infinite_media_timestamp_is_refused():
    frame = '{"event":"media","streamSid":"%s","media":{"payload":"AA==","timestamp":Infinity}}'
    with pytest.raises(InvalidTwilioMessage):
        parse_twilio_message(frame % STREAM_SID)


def test_a_deeply_nested_frame_is_refused():
    """Twilio never nests, but a frame must fail as bad input, not as an interpreter limit."""
    with pytest.raises(InvalidTwilioMessage):
        parse_twilio_message("[" * 50_000)


@pytest.mark.parametrize("event", [[], {}, ["media"]])
def test_an_event_name_that_is_not_a_string_is_refused(event):
    with pytest.raises(InvalidTwilioMessage):
        parse_twilio_message(json.dumps({"event": event, "streamSid": STREAM_SID}))


# --- a real call -----------------------------------------------------------------------------


def mangled_media(stream_sid: str) -> st.SearchStrategy[str]:
    """Media frames Twilio would never send: wrong types, other streams, bad or huge payloads."""
    wrong_types = st.fixed_dictionaries(
        {"event": st.just("media"), "streamSid": st.just(stream_sid) | json_values},
        optional={"media": objects_with(["payload", "timestamp"])},
    )
    other_stream = st.builds(
        lambda sid, seq: {
            "event": "media",
            "sequenceNumber": seq,
            "streamSid": sid,
            "media": {"payload": "//8=", "timestamp": "0"},
        },
        st.text(max_size=34).filter(lambda sid: sid != stream_sid),
        st.integers(),
    )
    bad_payload = st.builds(
        lambda payload, stamp: {
            "event": "media",
            "streamSid": stream_sid,
            "media": {"payload": payload, "timestamp": stamp},
        },
        st.text(alphabet="ABCD+/=!-_ ", max_size=40) | st.integers(48_000, 80_000).map("A".__mul__),
        st.sampled_from(["0", "-5", "1e3", "x", "99999999999999999999"]),
    )
    return (wrong_types | other_stream | bad_payload).map(dumps)


def counted(text: str, stream_sid: str) -> bool | None:
    """Whether our side counts this frame as a protocol error; None if it may not be sent."""
    try:
        message = parse_twilio_message(text)
    except InvalidTwilioMessage:
        return True
    if isinstance(message, Start):
        return True  # a second start
    if isinstance(message, Connected):
        return False
    if message.stream_sid != stream_sid:
        return True  # media, marks, keys and stops of another stream are refused
    if isinstance(message, Media | Mark):
        return False  # ours: audio is forwarded as is, an unknown mark is ignored
    return None  # a well-formed stop or key press does what it says: not bad input


def malformed_frames(stream_sid: str) -> st.SearchStrategy[list[tuple[str, bool]]]:
    """A burst of bad frames, each with whether it must be counted on our side."""
    frames = st.text(max_size=300) | not_json() | twilio_shaped | mangled_media(stream_sid)
    judged = frames.map(lambda text: (text, counted(text, stream_sid)))
    return st.lists(judged.filter(lambda pair: pair[1] is not None), min_size=1, max_size=25)


def refused_by_parser(text: str) -> bool:
    """Whether the parser refuses this frame."""
    try:
        parse_twilio_message(text)
    except InvalidTwilioMessage:
        return True
    return False


def appended_audio(session) -> bytes:
    """All caller audio the fake OpenAI has received so far, decoded (bad base64 skipped)."""
    return b"".join(
        decoded(r.event.get("audio"))
        for r in session.received
        if r.event and r.event.get("type") == "input_audio_buffer.append"
    )


def decoded(audio) -> bytes:
    """Base64 audio as bytes; what is not valid base64 (we forwarded junk) counts as none."""
    try:
        return base64.b64decode(audio, validate=True)
    except (binascii.Error, TypeError, ValueError):
        return b""


async def call_row(call_sid: str) -> Call:
    """The call's row once the recorder has written everything."""
    return await database_sync_to_async(Call.objects.get)(call_sid=call_sid)


@pytest.mark.django_db(transaction=True)
@end_to_end
@given(data=st.data())
async def test_a_burst_of_malformed_frames_mid_call_is_counted_and_the_audio_flows_on(
    fake_ai, make_caller, drained, data
):
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await session.wait_for_client_event("session.update")
    frames = data.draw(malformed_frames(call.stream_sid), label="frames")
    for frame, _ in frames:
        await call._session.socket.send_text(frame)
    marker = SpeechSignal(seed=len(frames)).next(200)
    await call.send_audio(marker)
    await call.wait_for(lambda c: marker in appended_audio(session), timeout=10)
    await call.hang_up()
    await drained()
    row = await call_row(call.call_sid)
    assert row.end_reason == "caller_hangup"
    assert row.protocol_errors >= sum(must_count for _, must_count in frames)


@pytest.mark.django_db(transaction=True)
@end_to_end
@given(
    sequence_numbers=st.permutations([str(n) for n in range(3, 13)]),
    timestamps=st.lists(st.integers(min_value=0, max_value=10**9), min_size=10, max_size=10),
)
async def test_media_out_of_order_is_passed_on_as_it_comes(
    fake_ai, make_caller, drained, sequence_numbers, timestamps
):
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await session.wait_for_client_event("session.update")
    chunks = [SpeechSignal(seed=i).next(20) for i in range(10)]
    for chunk, seq, stamp in zip(chunks, sequence_numbers, timestamps, strict=True):
        frame = {
            "event": "media",
            "sequenceNumber": seq,
            "streamSid": call.stream_sid,
            "media": {
                "track": "inbound",
                "timestamp": str(stamp),
                "payload": base64.b64encode(chunk).decode(),
            },
        }
        await call._session.socket.send_text(json.dumps(frame))
    await call.wait_for(lambda c: b"".join(chunks) in appended_audio(session), timeout=10)
    await call.hang_up()
    await drained()
    assert (await call_row(call.call_sid)).end_reason == "caller_hangup"


# --- before start ----------------------------------------------------------------------------


EARLY_MEDIA = dumps({"event": "media", "streamSid": STREAM_SID, "media": {"payload": "//8="}})
EARLY_MARK = dumps({"event": "mark", "streamSid": STREAM_SID, "mark": {"name": "m-1"}})
CONNECTED = dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"})
# (frame, whether it counts as a protocol error); a stray mark or `connected` is harmless.
early_frames = st.lists(
    st.sampled_from([(EARLY_MEDIA, True), (EARLY_MARK, False), (CONNECTED, False)])
    | not_json().filter(refused_by_parser).map(lambda text: (text, True)),
    min_size=1,
    max_size=15,
)


async def answered_call() -> tuple[str, str]:
    """A call row as the voice webhook leaves it; returns its sid and one-time token."""
    call_sid = "CA" + uuid.uuid4().hex
    _, token = await database_sync_to_async(services.answer_call)(
        {"CallSid": call_sid, "AccountSid": settings.TWILIO_ACCOUNT_SID, "To": "+8215880000"}
    )
    return call_sid, token


async def start_and_speak(stream: WebsocketCommunicator, session_source, call_sid, token) -> None:
    """Send start, wait for the session, then prove one caller frame reaches OpenAI."""
    await stream.send_to(text_data=start(call_sid, token))
    session = await session_source.next_session()
    await session.wait_for_client_event("session.update")
    marker = base64.b64encode(SpeechSignal(seed=3).next(20)).decode()
    media = {"event": "media", "streamSid": STREAM_SID, "media": {"payload": marker}}
    await stream.send_to(text_data=json.dumps(media))
    await session.wait_for_client_event(lambda event: event.get("audio") == marker)


@pytest.mark.django_db(transaction=True)
@end_to_end
@given(frames=early_frames)
async def test_frames_before_start_do_not_stop_the_call_that_follows(
    fake_ai, default_profile, drained, frames
):
    call_sid, token = await answered_call()
    stream = await signed_stream()
    for frame, _ in frames:
        await stream.send_input({"type": "websocket.receive", "text": frame})
    await start_and_speak(stream, fake_ai, call_sid, token)
    await stream.disconnect()
    await drained()
    row = await call_row(call_sid)
    assert row.end_reason == "caller_hangup"
    assert row.protocol_errors >= sum(counted for _, counted in frames)


@pytest.mark.django_db(transaction=True)
async def test_media_with_an_empty_stream_sid_before_start_is_refused(
    fake_ai, default_profile, drained
):
    call_sid, token = await answered_call()
    stream = await signed_stream()
    await stream.send_to(
        text_data=dumps({"event": "media", "streamSid": "", "media": {"payload": "//8="}})
    )
    await start_and_speak(stream, fake_ai, call_sid, token)
    await stream.disconnect()
    await drained()
    assert (await call_row(call_sid)).protocol_errors == 1


@pytest.mark.django_db(transaction=True)
async def test_a_media_payload_cannot_smuggle_another_event_to_openai(
    fake_ai, make_caller, drained
):
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await session.wait_for_client_event("session.update")
    smuggled = 'AAAA","type":"conversation.item.delete","item_id":"item_x'
    media = {"event": "media", "streamSid": call.stream_sid, "media": {"payload": smuggled}}
    await call._session.socket.send_text(json.dumps(media))
    marker = SpeechSignal(seed=5).next(200)
    await call.send_audio(marker)
    await call.wait_for(lambda c: marker in appended_audio(session), timeout=5)
    await call.hang_up()
    types = [r.event.get("type") for r in session.received if r.event]
    assert "conversation.item.delete" not in types


@pytest.mark.django_db(transaction=True)
async def test_a_stop_for_another_stream_does_not_end_the_call(fake_ai, make_caller, drained):
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await session.wait_for_client_event("session.update")
    await call._session.socket.send_text(dumps({"event": "stop", "streamSid": "MZ" + "0" * 32}))
    marker = SpeechSignal(seed=11).next(200)
    await call.send_audio(marker)
    await call.wait_for(lambda c: marker in appended_audio(session), timeout=5)
    await call.hang_up()
