"""Bad outbound frames raise 31950/31951 once per stream and are dropped; the call goes on."""

import base64
import json

import pytest

from calls.simulator.twilio_messages import (
    INVALID,
    MALFORMED,
    ClearBuffer,
    PlaceMark,
    PlayMedia,
    Rejected,
    check_outbound,
)
from tests.simulator.twilio_fixtures import TRANSPORTS, dial_and_stream, twilio_server

SID = "MZ" + "1" * 32
AUDIO = base64.b64encode(b"\x7f" * 160).decode()


def frame(**message) -> str:
    return json.dumps(message)


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "[1, 2]",
        frame(streamSid=SID),
        frame(event="start", streamSid=SID),
        frame(event="media", streamSid="MZ" + "9" * 32, media={"payload": AUDIO}),
        frame(event="media", media={"payload": AUDIO}),
        frame(event="media", streamSid=SID, media={"payload": AUDIO, "track": "outbound"}),
        frame(event="media", streamSid=SID, media={"payload": AUDIO}, sequenceNumber="1"),
        frame(event="media", streamSid=SID, media={"payload": "###not base64###"}),
        frame(event="media", streamSid=SID, media={"payload": 12}),
        frame(event="media", streamSid=SID, media=AUDIO),
        frame(event="mark", streamSid=SID, mark={}),
        frame(event="mark", streamSid=SID),
        frame(event="mark", streamSid=SID, mark={"name": 7}),
        frame(event="clear", streamSid=SID, clear={}),
    ],
)
def test_invalid_messages_are_31951(raw):
    result = check_outbound(raw, SID)
    assert isinstance(result, Rejected) and result.code == INVALID


def test_binary_frames_are_31950():
    assert check_outbound(b"\xff" * 160, SID).code == MALFORMED


def test_documented_shapes_are_accepted():
    media = frame(event="media", streamSid=SID, media={"payload": AUDIO})
    assert check_outbound(media, SID) == PlayMedia(b"\x7f" * 160)
    mark = frame(event="mark", streamSid=SID, mark={"name": "r1:c2"})
    assert check_outbound(mark, SID) == PlaceMark("r1:c2")
    assert check_outbound(frame(event="clear", streamSid=SID), SID) == ClearBuffer()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_each_warning_is_logged_once_and_the_call_goes_on(transport):
    async with twilio_server(transport) as server:
        call, stream = await dial_and_stream(server)
        await stream.send_raw(b"\xff" * 160)
        await stream.send_raw(b"\x00" * 160)
        await stream.send_raw("{not json")
        await stream.send_json({"event": "media", "streamSid": stream.stream_sid})
        await stream.send_json(
            {"event": "mark", "streamSid": "MZ" + "0" * 32, "mark": {"name": "x"}}
        )
        await stream.send_media(b"\x01" * 400)
        await stream.send_mark("after-garbage")
        await call.wait_for(lambda c: c.marks_echoed == ["after-garbage"])
        await call.hang_up()

    assert [code for code, _ in call.warnings] == [31950, 31951]
    assert call.heard_ms == 50
    assert call.result.ended_by == "caller"
