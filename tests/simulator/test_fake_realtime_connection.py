"""Connecting to the fake Realtime server: auth, paths, the beta header and session.created."""

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from calls.simulator.fake_realtime import FakeRealtimeServer, RealtimeOptions

from .conftest import API_KEY


async def test_it_refuses_a_missing_bearer_with_http_401(server):
    with pytest.raises(InvalidStatus) as refused:
        await connect(f"{server.url}?model=gpt-realtime")
    assert refused.value.response.status_code == 401


async def test_it_refuses_a_wrong_bearer_with_http_401(server):
    with pytest.raises(InvalidStatus) as refused:
        await connect(server.url, additional_headers={"Authorization": "Bearer sk-wrong"})
    assert refused.value.response.status_code == 401


async def test_it_answers_other_paths_with_404(server):
    url = server.url.replace("/v1/realtime", "/v1/chat")
    with pytest.raises(InvalidStatus) as refused:
        await connect(url, additional_headers={"Authorization": f"Bearer {API_KEY}"})
    assert refused.value.response.status_code == 404


async def test_it_refuses_the_beta_header_with_an_error_and_close_4000(connect_client):
    client = await connect_client(headers={"OpenAI-Beta": "realtime=v1"})
    error = await client.receive()
    assert error["type"] == "error"
    assert error["error"]["type"] == "invalid_request_error"
    assert error["error"]["code"] == "beta_api_shape_disabled"
    assert await client.close_code() == 4000


async def test_it_sends_session_created_first_with_the_ga_default_session(connect_client):
    client = await connect_client()
    created = await client.receive()
    assert created["type"] == "session.created"
    session = created["session"]
    assert session["id"].startswith("sess_")
    assert session["object"] == "realtime.session"
    assert session["type"] == "realtime"
    assert session["model"] == "gpt-realtime"
    assert session["output_modalities"] == ["audio"]
    assert session["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert session["audio"]["output"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert session["audio"]["input"]["turn_detection"]["type"] == "server_vad"
    assert session["audio"]["input"]["transcription"] is None
    assert session["audio"]["output"]["voice"] == "marin"
    assert session["tools"] == [] and session["tool_choice"] == "auto"
    assert session["max_output_tokens"] == "inf"


async def test_each_connection_gets_its_own_session_id(server, connect_client):
    first = await (await connect_client()).next_of("session.created")
    second = await (await connect_client()).next_of("session.created")
    assert first["session"]["id"] != second["session"]["id"]
    assert [s.id for s in server.sessions] == [first["session"]["id"], second["session"]["id"]]


async def test_next_session_hands_over_the_accepted_connection(server, connect_client):
    client = await connect_client()
    created = await client.next_of("session.created")
    session = await server.next_session()
    assert session.id == created["session"]["id"]
    assert session.sent[0].event["type"] == "session.created"


async def test_conversation_created_is_off_by_default_and_optional(connect_client):
    options = RealtimeOptions(send_conversation_created=True)
    async with FakeRealtimeServer(api_key=API_KEY, options=options) as fake:
        client = await connect_client(fake)
        assert (await client.receive())["type"] == "session.created"
        conversation = await client.receive()
        assert conversation["type"] == "conversation.created"
        assert conversation["conversation"]["id"].startswith("conv_")
        assert conversation["conversation"]["object"] == "realtime.conversation"


async def test_it_records_every_client_event_with_a_monotonic_time(server, client):
    session = await server.next_session()
    await client.send({"type": "input_audio_buffer.clear", "event_id": "evt_1"})
    await client.next_of("input_audio_buffer.cleared")
    await client.send({"type": "input_audio_buffer.clear", "event_id": "evt_2"})
    await session.wait_for_client_event(lambda e: e.get("event_id") == "evt_2")
    times = [record.at for record in session.received]
    assert [record.event["event_id"] for record in session.received] == ["evt_1", "evt_2"]
    assert times == sorted(times)
