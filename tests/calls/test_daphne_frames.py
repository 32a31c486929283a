"""Through a real daphne (with the lean WebSocket layer) caller audio reaches OpenAI intact."""

import asyncio
import base64

import pytest
import websockets
from django.conf import settings
from twilio.request_validator import RequestValidator
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from calls.simulator.twilio_caller import TwilioCaller
from tests.calls.waiting import eventually
from tests.server_process import start_server

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path, fake_ai):
    """A real server process pointed at the fake Realtime server."""
    process = start_server(tmp_path, OPENAI_REALTIME_URL=fake_ai.url)
    yield process
    process.stop()
    print(process.process.stdout.read())  # shown by pytest when the test fails


def appended_audio(fake_ai) -> bytes:
    """Every caller byte the fake received in input_audio_buffer.append events."""
    chunks = []
    for session in fake_ai.sessions:
        for record in session.received:
            if record.event and record.event.get("type") == "input_audio_buffer.append":
                chunks.append(base64.b64decode(record.event["audio"]))
    return b"".join(chunks)


async def test_masked_caller_frames_reach_openai_byte_for_byte_and_agent_audio_comes_back(
    server, fake_ai
):
    caller = TwilioCaller(
        base_url=server.base_url,
        auth_token=settings.TWILIO_AUTH_TOKEN,
        account_sid=settings.TWILIO_ACCOUNT_SID,
        clock="real",
    )
    call = await caller.dial()
    await call.wait_for(lambda c: c.heard_ms > 0, timeout=10)
    marker = bytes(range(0x10, 0x10 + 160)) * 3  # three frames no silence or speech looks like
    await call.send_audio(marker)
    await call.send_silence(100)
    await eventually(lambda: marker in appended_audio(fake_ai), within=10)
    assert call.marks_echoed  # marks we sent came back: frames out are well formed too
    await call.hang_up()


async def test_a_text_frame_that_is_not_utf8_fails_the_stream_and_the_server_goes_on(server):
    endpoint = server.env["TWILIO_STREAM_ENDPOINT"]
    signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(endpoint, {})
    headers = {"X-Twilio-Signature": signature}
    async with websockets.connect(endpoint, additional_headers=headers) as ws:
        await ws.send(b'{"event":"connected","protocol":"\xff"}', text=True)
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(5):
                await ws.recv()
    assert closed.value.rcvd is None or closed.value.rcvd.code == 1007
    async with websockets.connect(endpoint, additional_headers=headers) as ws:
        await ws.send('{"event":"connected","protocol":"Call","version":"1.0.0"}')
        assert ws.state is State.OPEN  # a good stream is still accepted
