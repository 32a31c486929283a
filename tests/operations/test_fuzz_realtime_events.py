"""Bad OpenAI events parse to a typed event or a refusal, and a call survives them."""

import base64

import pytest
from channels.db import database_sync_to_async
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from calls.live.bridge import CallBridge
from calls.live.protocol import realtime as rt
from calls.live.protocol import realtime_events
from calls.models import Call
from calls.simulator.caller_audio import SpeechSignal
from tests.calls.waiting import eventually
from tests.operations.fuzz import dumps, json_values, not_json, objects_with

KNOWN_TYPES = sorted(realtime_events._PARSERS)  # the event types the parser gives a typed event
FIELDS = [
    "session",
    "error",
    "audio_start_ms",
    "audio_end_ms",
    "item_id",
    "response",
    "response_id",
    "delta",
    "transcript",
    "call_id",
    "name",
    "arguments",
]
INNER_KEYS = ["id", "status", "usage", "output", "code", "message", "event_id", "audio", "type"]

unit = hypothesis_settings(max_examples=100, deadline=None)
end_to_end = hypothesis_settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

server_shaped = st.fixed_dictionaries(
    {"type": st.sampled_from(KNOWN_TYPES) | json_values},
    optional={name: json_values | objects_with(INNER_KEYS) for name in FIELDS},
).map(dumps)


@unit
@given(st.text(max_size=300) | st.binary(max_size=100) | not_json() | server_shaped)
def test_any_frame_parses_to_a_typed_event_or_is_refused(frame):
    try:
        event = rt.parse_server_event(frame)
    except rt.MalformedServerEvent:
        return
    assert isinstance(event, rt.ServerEvent)
    assert isinstance(event.type, str)


@unit
@given(st.text(max_size=40).filter(lambda name: name not in KNOWN_TYPES), objects_with(FIELDS))
def test_an_unknown_type_is_an_unknown_event_whatever_it_carries(name, body):
    event = rt.parse_server_event(dumps({**body, "type": name}))
    assert event == rt.UnknownEvent(name)


@unit
@given(st.sampled_from(KNOWN_TYPES))
def test_a_known_type_without_its_fields_is_refused_or_defaults_to_empty(name):
    try:
        event = rt.parse_server_event(dumps({"type": name}))
    except rt.MalformedServerEvent as error:
        assert name in str(error)
        return
    assert type(event) is not rt.UnknownEvent


@pytest.mark.parametrize(
    "response",
    [{"usage": [1, 2]}, {"usage": "many"}, {"output": {"type": "message"}}, {"output": ["x"]}],
)
def test_response_done_promises_a_usage_dict_and_an_output_of_dicts(response):
    """Fields the bridge reads as a dict and a list of dicts without checking."""
    try:
        event = rt.parse_server_event(dumps({"type": "response.done", "response": response}))
    except rt.MalformedServerEvent:
        return
    assert isinstance(event.usage, dict)
    assert isinstance(event.output, list) and all(isinstance(i, dict) for i in event.output)


def test_a_deeply_nested_event_is_refused():
    with pytest.raises(rt.MalformedServerEvent):
        rt.parse_server_event("[" * 50_000)


# --- a real call -----------------------------------------------------------------------------


def missing_fields(name: str) -> str | None:
    """The event type with no fields, if the parser refuses it so (else None)."""
    try:
        rt.parse_server_event(dumps({"type": name}))
    except rt.MalformedServerEvent:
        return dumps({"type": name, "event_id": "event_fuzz"})
    return None


REFUSED_WHEN_BARE = [frame for frame in map(missing_fields, KNOWN_TYPES) if frame]
unknown_events = st.builds(
    lambda name, body: dumps({**body, "type": name}),
    st.text(min_size=1, max_size=40).filter(lambda name: name not in KNOWN_TYPES),
    objects_with(FIELDS),
)
# (frame, whether it must be counted as a protocol error)
ai_burst = st.lists(
    st.sampled_from(REFUSED_WHEN_BARE).map(lambda frame: (frame, True))
    | not_json().filter(lambda text: not text.lstrip().startswith("{")).map(lambda t: (t, True))
    | st.sampled_from(["[]", "null", "42", '{"type": 7}']).map(lambda frame: (frame, True))
    | unknown_events.map(lambda frame: (frame, False)),
    min_size=1,
    max_size=20,
)


def bridge_of(call) -> CallBridge:
    """The server-side bridge of a simulated call."""
    (found,) = [b for b in list(CallBridge.live) if b.stream_sid == call.stream_sid]
    return found


def appended_audio(session) -> bytes:
    """All caller audio the fake OpenAI has received so far, decoded."""
    return b"".join(
        base64.b64decode(r.event["audio"])
        for r in session.received
        if r.event and r.event.get("type") == "input_audio_buffer.append"
    )


@pytest.mark.django_db(transaction=True)
@end_to_end
@given(frames=ai_burst)
async def test_unknown_broken_and_incomplete_events_mid_call_are_counted_and_the_call_goes_on(
    fake_ai, make_caller, drained, frames
):
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await session.wait_for_client_event("session.update")
    await call.wait_for(lambda c: c.heard_ms > 0, timeout=10)  # the greeting plays
    for frame, _ in frames:
        await session.send_raw(frame)
    expected = sum(must_count for _, must_count in frames)
    await eventually(lambda: bridge_of(call).counters.protocol_errors >= expected)
    marker = SpeechSignal(seed=len(frames)).next(200)
    await call.send_audio(marker)
    await call.wait_for(lambda c: marker in appended_audio(session), timeout=10)
    assert call.streaming
    await call.hang_up()
    await drained()
    row = await database_sync_to_async(Call.objects.get)(call_sid=call.call_sid)
    assert row.end_reason == "caller_hangup"
    assert row.protocol_errors >= expected


@pytest.mark.django_db(transaction=True)
async def test_a_response_done_with_a_mistyped_usage_does_not_stop_the_reader(
    fake_ai, make_caller, drained
):
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await session.wait_for_client_event("session.update")
    await session.send_raw(dumps({"type": "response.done", "response": {"usage": [1, 2]}}))
    await session.send_raw("{not json")
    running = bridge_of(call)
    try:
        await eventually(lambda: running.counters.protocol_errors >= 1, within=1)
    finally:
        await call.hang_up()  # a call left open would hold the fake server's teardown
