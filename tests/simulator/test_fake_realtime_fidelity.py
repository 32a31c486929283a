"""The points where real clients found a fake easily wrong (§11.4), one test group per point."""

import base64

import pytest

from calls.simulator.fake_realtime import FakeRealtimeServer
from calls.simulator.realtime_script import EMPTY_CONTEXT_REPLY

from .conftest import API_KEY, GREETING, PCMU_SESSION, default_script, silence_ulaw, speech_ulaw

MANUAL = {
    "type": "realtime",
    "audio": {
        "input": {
            "format": {"type": "audio/pcmu"},
            "turn_detection": None,
            "transcription": {"model": "gpt-live-transcribe", "languages": ["ko"]},
        },
        "output": {"format": {"type": "audio/pcmu"}},
    },
}
FIRST_CALLER_LINE = default_script().caller_lines[0]
MIB = 1024 * 1024


@pytest.fixture
async def paced_client(connect_client):
    """A μ-law client of a server that streams audio in real time, so responses stay active."""
    async with FakeRealtimeServer(api_key=API_KEY, script=default_script(), speed=1.0) as fake:
        client = await connect_client(fake)
        await client.next_of("session.created")
        await client.update_session(PCMU_SESSION)
        yield client


@pytest.fixture
async def manual_client(client):
    """A μ-law client without VAD that commits by hand, with Korean transcription on."""
    assert (await client.update_session(MANUAL))["type"] == "session.updated"
    return client


async def transcript_of_commit(client, audio: bytes) -> str:
    """Append audio, commit it by hand and return its input transcription."""
    await client.append(audio)
    await client.send({"type": "input_audio_buffer.commit"})
    committed = await client.next_of("input_audio_buffer.committed")
    completed = await client.next_of("conversation.item.input_audio_transcription.completed")
    assert completed["item_id"] == committed["item_id"]
    return completed["transcript"]


# --- an assistant item can be truncated while its response still streams -----------------------


async def test_an_item_can_be_truncated_before_its_response_is_cancelled(paced_client):
    await paced_client.send({"type": "response.create"})
    added = await paced_client.next_of("response.content_part.added")
    first = await paced_client.next_of("response.output_audio.delta")
    heard_ms = len(base64.b64decode(first["delta"])) // 8
    item_id = added["item_id"]
    truncate = {"item_id": item_id, "content_index": 0, "audio_end_ms": heard_ms}
    await paced_client.send({"type": "conversation.item.truncate", **truncate})
    reply = await paced_client.next_of(
        lambda e: e["type"] in ("error", "conversation.item.truncated")
    )
    assert reply["type"] == "conversation.item.truncated"
    assert reply["item_id"] == item_id and reply["audio_end_ms"] == heard_ms
    assert not any(e["type"] == "response.done" for e in paced_client.events)

    await paced_client.send({"type": "response.cancel"})
    done = (await paced_client.next_of("response.done"))["response"]
    assert done["status_details"] == {"type": "cancelled", "reason": "client_cancelled"}
    await paced_client.send({"type": "conversation.item.retrieve", "item_id": item_id})
    retrieved = (await paced_client.next_of("conversation.item.retrieved"))["item"]
    assert retrieved["content"][0]["transcript"] == ""
    # The cut holds: audio the stream made after it does not extend the item.
    await paced_client.send(
        {"type": "conversation.item.truncate", **truncate, "audio_end_ms": heard_ms + 100}
    )
    assert "already shorter" in (await paced_client.next_of("error"))["error"]["message"]


async def test_the_audio_part_exists_from_content_part_added_on(paced_client):
    await paced_client.send({"type": "response.create"})
    delta = await paced_client.next_of("response.output_audio.delta")
    added = next(e for e in paced_client.events if e["type"] == "response.content_part.added")
    assert added["item_id"] == delta["item_id"]
    await paced_client.send({"type": "conversation.item.retrieve", "item_id": added["item_id"]})
    retrieved = (await paced_client.next_of("conversation.item.retrieved"))["item"]
    assert retrieved["status"] == "in_progress"
    assert retrieved["content"][0]["type"] == "output_audio"


# --- a manual commit of silence is silent and uses no caller line ------------------------------


async def test_a_manual_commit_of_silence_has_an_empty_transcript(manual_client):
    assert await transcript_of_commit(manual_client, silence_ulaw(600)) == ""
    assert await transcript_of_commit(manual_client, speech_ulaw(400, dbfs=-50)) == ""


async def test_committed_silence_does_not_use_up_a_scripted_caller_line(manual_client):
    await transcript_of_commit(manual_client, silence_ulaw(600))
    spoken = await transcript_of_commit(manual_client, speech_ulaw(600) + silence_ulaw(200))
    assert spoken == FIRST_CALLER_LINE


# --- server_vad defaults when the client omits them --------------------------------------------


async def test_omitted_server_vad_settings_take_the_sdk_defaults(client):
    reply = await client.update_session(
        {"type": "realtime", "audio": {"input": {"turn_detection": {"type": "server_vad"}}}}
    )
    vad = reply["session"]["audio"]["input"]["turn_detection"]
    assert (vad["threshold"], vad["prefix_padding_ms"], vad["silence_duration_ms"]) == (
        0.5,
        300,
        500,
    )
    assert vad["create_response"] is vad["interrupt_response"] is True
    assert vad["idle_timeout_ms"] is None


async def test_the_default_silence_window_is_500_ms_on_the_audio_clock(pcmu_client):
    vad = {"type": "server_vad", "create_response": False}
    await pcmu_client.update_session(
        {"type": "realtime", "audio": {"input": {"turn_detection": vad}}}
    )
    await pcmu_client.append(silence_ulaw(1000) + speech_ulaw(600) + silence_ulaw(1000))
    started = await pcmu_client.next_of("input_audio_buffer.speech_started")
    stopped = await pcmu_client.next_of("input_audio_buffer.speech_stopped")
    assert started["audio_start_ms"] == 1000 - 300
    assert abs(stopped["audio_end_ms"] - (1600 + 500)) <= 20


# --- usage details add up ----------------------------------------------------------------------


def assert_usage_adds_up(usage: dict) -> None:
    """Check every sum and bound of a GA usage object."""
    given = usage["input_token_details"]
    per_modality = given["cached_tokens_details"]
    modalities = ("text_tokens", "audio_tokens", "image_tokens")
    assert usage["input_tokens"] == sum(given[modality] for modality in modalities)
    assert given["cached_tokens"] == sum(per_modality.values())
    for modality in modalities:
        assert 0 <= per_modality[modality] <= given[modality]
    output = usage["output_token_details"]
    assert usage["output_tokens"] == output["text_tokens"] + output["audio_tokens"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


async def test_cached_tokens_never_exceed_the_input_of_their_modality(manual_client):
    await transcript_of_commit(manual_client, speech_ulaw(8000) + silence_ulaw(200))
    usages = []
    for _ in range(3):
        await manual_client.send({"type": "response.create"})
        usages.append((await manual_client.next_of("response.done"))["response"]["usage"])
    for usage in usages:
        assert_usage_adds_up(usage)
    assert usages[0]["input_token_details"]["cached_tokens"] == 0
    later = usages[2]["input_token_details"]
    assert later["cached_tokens"] > 0 and later["cached_tokens"] % 64 == 0
    assert later["cached_tokens_details"]["audio_tokens"] > 0


async def test_usage_of_an_out_of_band_response_with_a_cleared_context_adds_up(manual_client):
    await transcript_of_commit(manual_client, speech_ulaw(8000) + silence_ulaw(200))
    await manual_client.send({"type": "response.create"})
    await manual_client.next_of("response.done")
    await manual_client.send(
        {"type": "response.create", "response": {"conversation": "none", "input": []}}
    )
    usage = (await manual_client.next_of("response.done"))["response"]["usage"]
    assert_usage_adds_up(usage)
    assert usage["input_token_details"]["audio_tokens"] == 0
    assert usage["input_token_details"]["cached_tokens"] == 0


# --- one append carries at most 15 MiB ---------------------------------------------------------


async def test_an_append_over_15_mib_is_an_error_and_adds_nothing(server, manual_client):
    audio = base64.b64encode(bytes([0xFF]) * (15 * MIB + 1)).decode()
    await manual_client.send(
        {"type": "input_audio_buffer.append", "event_id": "evt_big", "audio": audio}
    )
    error = (await manual_client.next_of("error"))["error"]
    assert error["code"] == "string_above_max_length"
    assert error["param"] == "audio" and error["event_id"] == "evt_big"
    assert (await server.next_session()).audio_ms == 0


async def test_an_append_of_exactly_15_mib_is_taken(server, manual_client):
    audio = base64.b64encode(bytes([0xFF]) * (15 * MIB)).decode()
    await manual_client.send({"type": "input_audio_buffer.append", "audio": audio})
    await manual_client.send({"type": "input_audio_buffer.commit"})
    committed = await manual_client.next_of(
        lambda e: e["type"] in ("error", "input_audio_buffer.committed")
    )
    assert committed["type"] == "input_audio_buffer.committed"
    assert (await server.next_session()).audio_ms == 15 * MIB / 8  # μ-law: 8 bytes a ms


# --- an out-of-band response honours `input` and leaves the conversation alone -----------------


async def add_text(client, role: str, text: str) -> str:
    """Add a text message to the conversation and return its id."""
    kind = "input_text" if role != "assistant" else "output_text"
    item = {"type": "message", "role": role, "content": [{"type": kind, "text": text}]}
    await client.send({"type": "conversation.item.create", "item": item})
    return (await client.next_of("conversation.item.done"))["item"]["id"]


async def out_of_band(client, **response) -> list[dict]:
    """Create an out-of-band response and return its events up to response.done."""
    await client.send({"type": "response.create", "response": {"conversation": "none", **response}})
    return await client.collect_until("response.done")


def transcript(events: list[dict]) -> str:
    """Return the final transcript an out-of-band response spoke."""
    return next(e for e in events if e["type"] == "response.output_audio_transcript.done")[
        "transcript"
    ]


async def test_out_of_band_input_is_all_the_response_reads(server, client):
    asked = await add_text(client, "user", "배송 상태가 궁금해요.")
    await add_text(client, "assistant", "내일 도착합니다.")
    extra = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "요약"}]}
    events = await out_of_band(client, input=[{"type": "item_reference", "id": asked}, extra])
    assert transcript(events) == "배송 상태가 궁금해요. / 요약"
    session = await server.next_session()
    assert [item["id"] for item in session.responses[-1].context][0] == asked
    assert len(session.conversation.items) == 2


async def test_an_empty_input_clears_the_context(client):
    await add_text(client, "user", "배송 상태가 궁금해요.")
    events = await out_of_band(client, input=[])
    assert transcript(events) == EMPTY_CONTEXT_REPLY
    instructions_only = events[-1]["response"]["usage"]["input_token_details"]
    with_context = (await out_of_band(client))[-1]["response"]["usage"]["input_token_details"]
    assert instructions_only["text_tokens"] < with_context["text_tokens"]


async def test_without_input_an_out_of_band_response_reads_the_conversation(client):
    await add_text(client, "user", "배송 상태가 궁금해요.")
    assert transcript(await out_of_band(client)) == "배송 상태가 궁금해요."


async def test_an_out_of_band_response_touches_nothing_of_the_conversation(server, client):
    await add_text(client, "user", "안녕하세요.")
    events = await out_of_band(client, input=[])
    kinds = {e["type"] for e in events}
    assert not {"conversation.item.added", "conversation.item.done"} & kinds
    assert events[-1]["response"]["conversation_id"] is None
    output_id = events[-1]["response"]["output"][0]["id"]
    await client.send({"type": "conversation.item.retrieve", "item_id": output_id})
    assert (await client.next_of("error"))["error"]["code"] == "item_retrieve_invalid_item_id"
    # Nor does it use up the conversation's scripted agent turn.
    await client.send({"type": "response.create"})
    assert (await client.next_of("response.done"))["response"]["output"][0]["content"][0][
        "transcript"
    ] == GREETING


async def test_a_reference_to_an_unknown_item_is_refused(client):
    await client.send(
        {
            "type": "response.create",
            "response": {"conversation": "none", "input": [{"type": "item_reference", "id": "x"}]},
        }
    )
    error = (await client.next_of("error"))["error"]
    assert error["param"] == "response.input[0].id"


async def test_item_references_are_only_for_response_input(client):
    await client.send(
        {"type": "conversation.item.create", "item": {"type": "item_reference", "id": "x"}}
    )
    error = (await client.next_of("error"))["error"]
    assert error["code"] == "invalid_value" and error["param"] == "item.type"
