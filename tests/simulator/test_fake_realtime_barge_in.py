"""Barge-in cancels the active response; truncate follows the reference rules (§5)."""

import pytest

from calls.simulator.fake_realtime import FakeRealtimeServer

from .conftest import API_KEY, GREETING, PCMU_SESSION, default_script, silence_ulaw, speech_ulaw

TAIL = [
    "response.output_audio.done",
    "response.output_audio_transcript.done",
    "response.content_part.done",
    "response.output_item.done",
    "conversation.item.done",
    "response.done",
]
STREAMED = {"response.output_audio.delta", "response.output_audio_transcript.delta"}


@pytest.fixture
async def paced_client(connect_client):
    """A μ-law client of a server that streams audio in real time, so responses stay active."""
    async with FakeRealtimeServer(api_key=API_KEY, script=default_script(), speed=1.0) as fake:
        client = await connect_client(fake)
        await client.next_of("session.created")
        await client.update_session(PCMU_SESSION)
        yield client


async def spoken_response(client) -> dict:
    """Create a response, wait for it to finish and return its assistant item."""
    await client.send({"type": "response.create"})
    done = await client.next_of("response.done")
    return done["response"]["output"][0]


async def test_caller_speech_during_a_response_cancels_it_with_turn_detected(paced_client):
    await paced_client.send({"type": "response.create"})
    await paced_client.next_of("response.output_audio.delta")
    await paced_client.append(speech_ulaw(300) + silence_ulaw(100))
    await paced_client.next_of("input_audio_buffer.speech_started")
    tail = await paced_client.collect_until("response.done")
    assert [e["type"] for e in tail if e["type"] not in STREAMED] == TAIL
    done = tail[-1]["response"]
    assert done["status"] == "cancelled"
    assert done["status_details"] == {"type": "cancelled", "reason": "turn_detected"}
    assert done["output"][0]["status"] == "incomplete"
    item_done = next(e for e in tail if e["type"] == "response.output_item.done")
    assert item_done["item"]["status"] == "incomplete"


async def test_interrupt_response_false_lets_the_response_finish(paced_client):
    vad = {"type": "server_vad", "interrupt_response": False, "create_response": False}
    await paced_client.update_session(
        {"type": "realtime", "audio": {"input": {"turn_detection": vad}}}
    )
    await paced_client.send({"type": "response.create"})
    await paced_client.next_of("response.output_audio.delta")
    await paced_client.append(speech_ulaw(300))
    await paced_client.next_of("input_audio_buffer.speech_started")
    await paced_client.send({"type": "response.cancel"})
    done = await paced_client.next_of("response.done")
    assert done["response"]["status_details"]["reason"] == "client_cancelled"


async def test_response_cancel_ends_the_active_response_with_client_cancelled(paced_client):
    await paced_client.send({"type": "response.create"})
    await paced_client.next_of("response.output_audio.delta")
    await paced_client.send({"type": "response.cancel"})
    tail = await paced_client.collect_until("response.done")
    assert [e["type"] for e in tail if e["type"] not in STREAMED] == TAIL
    assert tail[-1]["response"]["status_details"] == {
        "type": "cancelled",
        "reason": "client_cancelled",
    }


async def test_cancel_with_nothing_active_is_refused(pcmu_client):
    await pcmu_client.send({"type": "response.cancel", "event_id": "evt_cancel"})
    error = await pcmu_client.next_of("error")
    assert error["error"]["code"] == "response_cancel_not_active"
    assert error["error"]["message"] == "Cancellation failed: no active response found"
    assert error["error"]["event_id"] == "evt_cancel"


async def test_truncate_cuts_the_item_and_drops_its_transcript(server, pcmu_client):
    item = await spoken_response(pcmu_client)
    await pcmu_client.send(
        {
            "type": "conversation.item.truncate",
            "item_id": item["id"],
            "content_index": 0,
            "audio_end_ms": 500,
        }
    )
    truncated = await pcmu_client.next_of("conversation.item.truncated")
    assert {k: truncated[k] for k in ("item_id", "content_index", "audio_end_ms")} == {
        "item_id": item["id"],
        "content_index": 0,
        "audio_end_ms": 500,
    }
    session = await server.next_session()
    assert session.conversation.get(item["id"])["content"][0]["transcript"] == ""
    assert session.conversation.truncations[item["id"]] == {
        "audio_end_ms": 500,
        "dropped_transcript": GREETING,
    }


async def test_truncate_past_the_generated_audio_is_refused(pcmu_client):
    item = await spoken_response(pcmu_client)
    generated_ms = len(GREETING) * 70
    await pcmu_client.send(
        {
            "type": "conversation.item.truncate",
            "item_id": item["id"],
            "content_index": 0,
            "audio_end_ms": 57340,
        }
    )
    error = await pcmu_client.next_of("error")
    assert error["error"]["message"] == (
        f"Audio content of {generated_ms}ms is already shorter than 57340ms"
    )


async def test_negative_truncate_is_refused(pcmu_client):
    item = await spoken_response(pcmu_client)
    await pcmu_client.send(
        {
            "type": "conversation.item.truncate",
            "item_id": item["id"],
            "content_index": 0,
            "audio_end_ms": -11,
        }
    )
    error = (await pcmu_client.next_of("error"))["error"]
    assert error["code"] == "integer_below_min_value"
    assert error["param"] == "audio_end_ms"
    assert error["message"] == (
        "Invalid 'audio_end_ms': integer below minimum value. "
        "Expected a value >= 0, but got -11 instead."
    )


async def test_only_assistant_audio_can_be_truncated(pcmu_client):
    user = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}
    await pcmu_client.send({"type": "conversation.item.create", "item": user})
    added = await pcmu_client.next_of("conversation.item.added")
    await pcmu_client.send(
        {
            "type": "conversation.item.truncate",
            "item_id": added["item"]["id"],
            "content_index": 0,
            "audio_end_ms": 0,
        }
    )
    error = (await pcmu_client.next_of("error"))["error"]
    assert error["code"] == "unsupported_content_type"
    assert error["message"] == "Only model output audio messages can be truncated"


async def test_an_item_cancelled_before_its_first_audio_cannot_be_truncated(connect_client):
    async with FakeRealtimeServer(api_key=API_KEY, first_audio_delay_ms=5000) as fake:
        client = await connect_client(fake)
        await client.next_of("session.created")
        await client.send({"type": "response.create"})
        added = await client.next_of("response.content_part.added")
        await client.send({"type": "response.cancel"})
        await client.next_of("response.done")
        await client.send(
            {
                "type": "conversation.item.truncate",
                "item_id": added["item_id"],
                "content_index": 0,
                "audio_end_ms": 0,
            }
        )
        assert (await client.next_of("error"))["error"]["code"] == "unsupported_content_type"


async def test_truncating_an_unknown_item_is_an_error(pcmu_client):
    await pcmu_client.send(
        {
            "type": "conversation.item.truncate",
            "item_id": "item_nope",
            "content_index": 0,
            "audio_end_ms": 0,
        }
    )
    assert (await pcmu_client.next_of("error"))["error"]["param"] == "item_id"
