"""A keypress goes out as a dtmf message on the inbound_track (§3.4)."""

import pytest

from tests.simulator.twilio_fixtures import TRANSPORTS, dial_and_stream, twilio_server


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_dtmf_has_twilios_shape(transport):
    async with twilio_server(transport) as server:
        call, stream = await dial_and_stream(server)
        await call.send_dtmf("#")
        dtmf = await stream.next_event("dtmf")
        await call.hang_up()

    assert dtmf == {
        "event": "dtmf",
        "sequenceNumber": "2",
        "streamSid": call.stream_sid,
        "dtmf": {"track": "inbound_track", "digit": "#"},
    }


async def test_only_keypad_digits_can_be_pressed():
    async with twilio_server("asgi") as server:
        call, _ = await dial_and_stream(server)
        with pytest.raises(ValueError, match="DTMF"):
            await call.send_dtmf("A")
        await call.hang_up()
