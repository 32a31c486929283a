"""Responses stream in the §4.1 order, with audio in the session output format."""

import base64

import numpy as np

from calls.live.audio import ulaw_decode
from calls.simulator.fake_realtime import FakeRealtimeServer, RealtimeOptions

from .conftest import API_KEY, GREETING, default_script

MS_PER_CHAR = 70


def audio_bytes(events: list[dict]) -> bytes:
    """Join the decoded audio of every output_audio delta."""
    return b"".join(
        base64.b64decode(e["delta"]) for e in events if e["type"] == "response.output_audio.delta"
    )


async def test_a_response_streams_every_event_in_reference_order(pcmu_client):
    await pcmu_client.send({"type": "response.create"})
    events = await pcmu_client.collect_until("response.done")
    kinds = [e["type"] for e in events]
    streamed = {"response.output_audio.delta", "response.output_audio_transcript.delta"}
    head = kinds[: kinds.index("response.output_audio.delta")]
    tail = [kind for kind in kinds[len(head) :] if kind not in streamed]
    assert head == [
        "response.created",
        "rate_limits.updated",
        "response.output_item.added",
        "conversation.item.added",
        "response.content_part.added",
    ]
    assert tail == [
        "response.output_audio.done",
        "response.output_audio_transcript.done",
        "response.content_part.done",
        "response.output_item.done",
        "conversation.item.done",
        "response.done",
    ]
    created, done = events[0]["response"], events[-1]["response"]
    assert created["status"] == "in_progress" and created["output"] == []
    assert created["id"].startswith("resp_") and created["id"] == done["id"]
    assert created["conversation_id"].startswith("conv_")
    assert created["audio"]["output"]["format"] == {"type": "audio/pcmu"}
    assert done["status"] == "completed" and done["status_details"] is None
    assert done["output"][0]["content"] == [{"type": "output_audio", "transcript": GREETING}]


async def test_parts_and_items_use_the_ga_shapes(pcmu_client):
    await pcmu_client.send({"type": "response.create"})
    events = {e["type"]: e for e in await pcmu_client.collect_until("response.done")}
    added = events["response.output_item.added"]["item"]
    assert added["object"] == "realtime.item" and added["status"] == "in_progress"
    assert added["role"] == "assistant" and added["content"] == []
    assert events["response.content_part.added"]["part"] == {"type": "audio", "transcript": ""}
    assert events["response.content_part.done"]["part"]["transcript"] == GREETING
    assert events["response.output_audio_transcript.done"]["transcript"] == GREETING
    assert "delta" not in events["response.output_audio.done"]
    item_done = events["response.output_item.done"]["item"]
    assert item_done["status"] == "completed"
    assert item_done["content"] == [{"type": "output_audio", "transcript": GREETING}]


async def test_transcript_deltas_spell_the_scripted_line(pcmu_client):
    await pcmu_client.send({"type": "response.create"})
    events = await pcmu_client.collect_until("response.done")
    pieces = [e["delta"] for e in events if e["type"] == "response.output_audio_transcript.delta"]
    assert len(pieces) > 1 and "".join(pieces) == GREETING


async def test_pcmu_output_is_8_bytes_per_ms_of_scripted_speech(pcmu_client):
    await pcmu_client.send({"type": "response.create"})
    audio = audio_bytes(await pcmu_client.collect_until("response.done"))
    assert len(audio) == len(GREETING) * MS_PER_CHAR * 8
    level = np.sqrt(np.mean(ulaw_decode(audio).astype(float) ** 2))
    assert 20 * np.log10(level / 32768) > -20  # a clearly audible tone, not silence


async def test_pcm_output_is_48_bytes_per_ms_of_scripted_speech(client):
    await client.send({"type": "response.create"})
    events = await client.collect_until("response.done")
    assert len(audio_bytes(events)) == len(GREETING) * MS_PER_CHAR * 48


async def test_each_response_speaks_the_next_agent_turn(pcmu_client):
    lines = []
    for _ in range(2):
        await pcmu_client.send({"type": "response.create"})
        done = await pcmu_client.next_of("response.done")
        lines.append(done["response"]["output"][0]["content"][0]["transcript"])
    assert lines == [GREETING, default_script().agent_turns[1].text]


async def test_response_done_reports_ga_usage(pcmu_client):
    await pcmu_client.send({"type": "response.create"})
    usage = (await pcmu_client.next_of("response.done"))["response"]["usage"]
    details = usage["output_token_details"]
    assert usage["output_tokens"] == details["text_tokens"] + details["audio_tokens"] > 0
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert {"text_tokens", "audio_tokens", "cached_tokens"} <= set(usage["input_token_details"])


async def test_text_only_output_streams_output_text_events(client):
    await client.send({"type": "response.create", "response": {"output_modalities": ["text"]}})
    events = await client.collect_until("response.done")
    kinds = {e["type"] for e in events}
    assert "response.output_text.delta" in kinds and "response.output_audio.delta" not in kinds
    text_done = next(e for e in events if e["type"] == "response.output_text.done")
    assert text_done["text"] == GREETING
    item = events[-1]["response"]["output"][0]
    assert item["content"] == [{"type": "output_text", "text": GREETING}]


async def test_response_overrides_are_accepted_and_temperature_is_not(client):
    await client.send(
        {
            "type": "response.create",
            "response": {"instructions": "Say goodbye.", "metadata": {"purpose": "hangup"}},
        }
    )
    done = await client.next_of("response.done")
    assert done["response"]["metadata"] == {"purpose": "hangup"}
    await client.send({"type": "response.create", "response": {"temperature": 0.7}})
    error = await client.next_of("error")
    assert error["error"]["code"] == "unknown_parameter"
    assert error["error"]["param"] == "response.temperature"


async def test_an_out_of_band_response_writes_nothing_to_the_conversation(server, client):
    await client.send({"type": "response.create", "response": {"conversation": "none"}})
    events = await client.collect_until("response.done")
    assert "conversation.item.added" not in {e["type"] for e in events}
    assert events[-1]["response"]["conversation_id"] is None
    assert (await server.next_session()).conversation.items == []


async def test_a_small_max_output_tokens_makes_the_response_incomplete(pcmu_client):
    await pcmu_client.send({"type": "response.create", "response": {"max_output_tokens": 5}})
    done = (await pcmu_client.next_of("response.done"))["response"]
    assert done["status"] == "incomplete"
    assert done["status_details"] == {"type": "incomplete", "reason": "max_output_tokens"}
    assert len(done["output"][0]["content"][0]["transcript"]) < len(GREETING)


async def test_first_audio_delay_and_rate_limits_position_are_configurable(connect_client):
    options = RealtimeOptions(rate_limits="end")
    fake = FakeRealtimeServer(api_key=API_KEY, first_audio_delay_ms=50, options=options)
    async with fake:
        client = await connect_client(fake)
        await client.next_of("session.created")
        await client.send({"type": "response.create"})
        events = await client.collect_until("response.done")
        assert events[-2]["type"] == "rate_limits.updated"
        session = await fake.next_session()
        sent = {s.event["type"]: s.at for s in reversed(session.sent)}
        assert sent["response.output_audio.delta"] - sent["response.content_part.added"] >= 0.045


async def test_paced_audio_runs_at_the_configured_speed(connect_client):
    async with FakeRealtimeServer(api_key=API_KEY, speed=10.0, ms_per_char=10) as fake:
        client = await connect_client(fake)
        await client.next_of("session.created")
        await client.send({"type": "response.create"})
        await client.next_of("response.done")
        session = await fake.next_session()
        deltas = [s.at for s in session.sent if s.event["type"] == "response.output_audio.delta"]
        audio_s = len(GREETING) * 10 / 1000
        assert deltas[-1] - deltas[0] >= (audio_s - 0.1) / 10 * 0.9


async def test_client_items_are_added_and_done(client):
    item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "안녕"}]}
    await client.send({"type": "conversation.item.create", "item": item})
    added = await client.next_of("conversation.item.added")
    done = await client.next_of("conversation.item.done")
    assert added["item"]["id"] == done["item"]["id"] and added["item"]["id"].startswith("item_")
    assert added["item"]["object"] == "realtime.item"
    assert added["item"]["content"] == [{"type": "input_text", "text": "안녕"}]


async def test_an_unknown_previous_item_id_is_an_error(client):
    item = {"type": "message", "role": "system", "content": [{"type": "input_text", "text": "x"}]}
    await client.send(
        {"type": "conversation.item.create", "item": item, "previous_item_id": "item_nope"}
    )
    error = await client.next_of("error")
    assert error["error"]["param"] == "previous_item_id"


async def test_the_client_cannot_create_assistant_audio(client):
    item = {"type": "message", "role": "assistant", "content": [{"type": "output_audio"}]}
    await client.send({"type": "conversation.item.create", "item": item})
    error = await client.next_of("error")
    assert error["error"]["code"] == "invalid_value"
    assert error["error"]["param"] == "item.content[0].type"
