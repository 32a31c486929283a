"""Protocol rules: one active response, malformed events, ids and event_id echo (§3, §4.5, §4.6)."""

import base64

import pytest

from calls.simulator.fake_realtime import FakeRealtimeServer

from .conftest import API_KEY, speech_ulaw


@pytest.fixture
async def slow_client(connect_client):
    """A client of a server whose responses wait a long time for their first audio."""
    async with FakeRealtimeServer(api_key=API_KEY, first_audio_delay_ms=5000) as fake:
        client = await connect_client(fake)
        await client.next_of("session.created")
        yield client


async def test_only_one_response_may_be_active(slow_client):
    await slow_client.send({"type": "response.create"})
    created = await slow_client.next_of("response.created")
    await slow_client.send({"type": "response.create", "event_id": "evt_second"})
    error = (await slow_client.next_of("error"))["error"]
    response_id = created["response"]["id"]
    assert error["code"] == "conversation_already_has_active_response"
    assert error["message"] == (
        f"Conversation already has an active response in progress: {response_id}. "
        "Wait until the response is finished before creating a new one."
    )
    assert error["event_id"] == "evt_second"


async def test_out_of_band_responses_may_run_beside_the_active_one(slow_client):
    await slow_client.send({"type": "response.create"})
    await slow_client.next_of("response.created")
    await slow_client.send({"type": "response.create", "response": {"conversation": "none"}})
    second = await slow_client.next_of(lambda e: e["type"] in ("response.created", "error"))
    assert second["type"] == "response.created"


async def test_an_unknown_event_type_is_invalid_value_on_type(client):
    await client.send({"type": "response.explode", "event_id": "evt_x"})
    error = (await client.next_of("error"))["error"]
    assert error["code"] == "invalid_value"
    assert error["param"] == "type"
    assert error["message"].startswith("Invalid value: 'response.explode'.")
    assert error["event_id"] == "evt_x"


async def test_a_missing_type_is_invalid_event(client):
    await client.send({"event_id": "evt_no_type"})
    error = (await client.next_of("error"))["error"]
    assert error == {
        "type": "invalid_request_error",
        "code": "invalid_event",
        "message": "The 'type' field is missing.",
        "param": None,
        "event_id": "evt_no_type",
    }


async def test_invalid_json_gets_an_error_and_is_recorded(server, client):
    await client.websocket.send("{not json")
    error = await client.next_of("error")
    assert error["error"]["type"] == "invalid_request_error"
    assert error["error"]["event_id"] is None
    record = (await server.next_session()).received[-1]
    assert record.event is None and record.raw == "{not json"


async def test_unknown_fields_on_an_event_are_refused(client):
    await client.send({"type": "input_audio_buffer.commit", "force": True})
    error = (await client.next_of("error"))["error"]
    assert error["code"] == "unknown_parameter" and error["param"] == "force"


async def test_invalid_base64_audio_is_an_error_echoing_the_event_id(client):
    await client.send({"type": "input_audio_buffer.append", "audio": "%%%", "event_id": "evt_b64"})
    error = (await client.next_of("error"))["error"]
    assert error["code"] == "invalid_value" and error["param"] == "audio"
    assert error["event_id"] == "evt_b64"


async def test_appends_are_never_acknowledged(server, client):
    session = await server.next_session()
    before = len(session.sent)
    audio = base64.b64encode(speech_ulaw(20)).decode()
    await client.send({"type": "input_audio_buffer.append", "audio": audio})
    await client.send({"type": "input_audio_buffer.clear"})
    assert (await client.receive())["type"] == "input_audio_buffer.cleared"
    assert len(session.sent) == before + 1


async def test_appended_audio_advances_the_clock_by_format(server, pcmu_client):
    session = await server.next_session()
    await pcmu_client.append(b"\xff" * 800)  # 100 ms of μ-law
    await pcmu_client.send({"type": "input_audio_buffer.clear"})
    await pcmu_client.next_of("input_audio_buffer.cleared")
    assert session.audio_ms == 100
    await pcmu_client.update_session(
        {"type": "realtime", "audio": {"input": {"format": {"type": "audio/pcm"}}}}
    )
    await pcmu_client.append(b"\x00" * 4800, bytes_per_ms=48)  # 100 ms of 24 kHz pcm16
    await pcmu_client.send({"type": "input_audio_buffer.clear"})
    await pcmu_client.next_of("input_audio_buffer.cleared")
    assert session.audio_ms == 200


async def test_every_server_event_has_a_unique_event_id(pcmu_client):
    for _ in range(2):
        await pcmu_client.send({"type": "response.create"})
        await pcmu_client.next_of("response.done")
    ids = [event["event_id"] for event in pcmu_client.events]
    assert all(event_id.startswith("event_") for event_id in ids)
    assert len(set(ids)) == len(ids) > 20


async def test_items_can_be_retrieved_with_audio_and_deleted(pcmu_client):
    await pcmu_client.send({"type": "response.create"})
    item = (await pcmu_client.next_of("response.done"))["response"]["output"][0]
    await pcmu_client.send({"type": "conversation.item.retrieve", "item_id": item["id"]})
    retrieved = (await pcmu_client.next_of("conversation.item.retrieved"))["item"]
    assert base64.b64decode(retrieved["content"][0]["audio"])
    await pcmu_client.send({"type": "conversation.item.delete", "item_id": item["id"]})
    assert (await pcmu_client.next_of("conversation.item.deleted"))["item_id"] == item["id"]
    await pcmu_client.send({"type": "conversation.item.retrieve", "item_id": item["id"]})
    assert (await pcmu_client.next_of("error"))["error"]["code"] == "item_retrieve_invalid_item_id"
