"""The caller refuses stream URLs Twilio would not connect to (§1.2: wss only, no query string)."""

import pytest

from calls.simulator.twilio_caller import CallFailed
from calls.simulator.twiml import TwimlError, check_stream_url
from tests.simulator.twilio_fixtures import TRANSPORTS, twilio_server


def connect_to(url: str) -> str:
    return f'<Response><Connect><Stream url="{url}"/></Connect></Response>'


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_stream_url_with_a_query_string_is_refused(transport):
    twiml = connect_to("{stream_url}?token=secret")
    async with twilio_server(transport, voice_twiml=twiml) as server:
        with pytest.raises(CallFailed, match="query string"):
            await server.caller().dial()

    assert server.fake.streams.empty()


@pytest.mark.parametrize("url", ["https://host.test/media", "http://host.test/media"])
def test_a_non_websocket_scheme_is_refused(url):
    with pytest.raises(TwimlError, match="wss://"):
        check_stream_url(url)


def test_ws_is_allowed_for_local_use_unless_disabled():
    check_stream_url("ws://127.0.0.1:8080/twilio/media")
    check_stream_url("wss://bridge.example.com/twilio/media", allow_ws=False)
    with pytest.raises(TwimlError):
        check_stream_url("ws://127.0.0.1:8080/twilio/media", allow_ws=False)
