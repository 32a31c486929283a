"""`idle_timeout_ms` fires `timeout_triggered` on the audio clock (§4.4, §11.3)."""

import base64

from .conftest import default_script, silence_ulaw, speech_ulaw

IDLE_MS = 5000
IDLE_LINE = "여보세요, 아직 통화 중이신가요?"


async def configure(client, **vad) -> None:
    """μ-law session, Korean transcription and server VAD with an idle timeout."""
    turn_detection = {"type": "server_vad", "idle_timeout_ms": IDLE_MS, **vad}
    audio_format = {"type": "audio/pcmu"}
    session = {
        "type": "realtime",
        "audio": {
            "input": {
                "format": audio_format,
                "turn_detection": turn_detection,
                "transcription": {"model": "gpt-live-transcribe", "languages": ["ko"]},
            },
            "output": {"format": audio_format},
        },
    }
    assert (await client.update_session(session))["type"] == "session.updated"


async def agent_speaks(client) -> int:
    """Have the agent answer once; return how many ms of audio the caller will hear."""
    await client.send({"type": "response.create"})
    events = await client.collect_until("response.done")
    return sum(
        len(base64.b64decode(e["delta"])) // 8
        for e in events
        if e["type"] == "response.output_audio.delta"
    )


async def events_so_far(client) -> list[dict]:
    """Flush the server's pending events with a clear and return everything read until then."""
    await client.send({"type": "input_audio_buffer.clear"})
    return await client.collect_until("input_audio_buffer.cleared")


async def test_the_timeout_fires_once_the_caller_has_heard_the_agent_and_idled(pcmu_client):
    await configure(pcmu_client)
    spoken_ms = await agent_speaks(pcmu_client)
    await pcmu_client.append(silence_ulaw(spoken_ms + IDLE_MS - 100))
    early = await events_so_far(pcmu_client)
    assert "input_audio_buffer.timeout_triggered" not in {e["type"] for e in early}

    await pcmu_client.append(silence_ulaw(200))
    triggered = await pcmu_client.next_of("input_audio_buffer.timeout_triggered")
    assert triggered["audio_start_ms"] == spoken_ms
    assert IDLE_MS <= triggered["audio_end_ms"] - triggered["audio_start_ms"] <= IDLE_MS + 20
    assert triggered["item_id"].startswith("item_")


async def test_the_silence_is_committed_as_a_user_item_with_an_empty_transcript(pcmu_client):
    await configure(pcmu_client)
    spoken_ms = await agent_speaks(pcmu_client)
    await pcmu_client.append(silence_ulaw(spoken_ms + IDLE_MS + 100))
    triggered = await pcmu_client.next_of("input_audio_buffer.timeout_triggered")
    committed = await pcmu_client.next_of("input_audio_buffer.committed")
    added = await pcmu_client.next_of("conversation.item.added")
    completed = await pcmu_client.next_of("conversation.item.input_audio_transcription.completed")
    assert triggered["item_id"] == committed["item_id"] == added["item"]["id"]
    assert completed["item_id"] == triggered["item_id"] and completed["transcript"] == ""
    assert added["item"]["role"] == "user"


async def test_the_model_then_asks_whether_the_caller_is_still_there(pcmu_client):
    await configure(pcmu_client)
    spoken_ms = await agent_speaks(pcmu_client)
    await pcmu_client.append(silence_ulaw(spoken_ms + IDLE_MS + 100))
    await pcmu_client.next_of("input_audio_buffer.timeout_triggered")
    done = (await pcmu_client.next_of("response.done"))["response"]
    assert done["output"][0]["content"][0]["transcript"] == IDLE_LINE


async def test_an_idle_turn_uses_neither_a_caller_line_nor_an_agent_turn(pcmu_client):
    await configure(pcmu_client)
    spoken_ms = await agent_speaks(pcmu_client)  # the greeting
    await pcmu_client.append(silence_ulaw(spoken_ms + IDLE_MS + 100))
    await pcmu_client.next_of("input_audio_buffer.timeout_triggered")
    await pcmu_client.next_of("response.done")

    await pcmu_client.append(speech_ulaw(600) + silence_ulaw(700))
    heard = await pcmu_client.next_of("conversation.item.input_audio_transcription.completed")
    answer = (await pcmu_client.next_of("response.done"))["response"]
    assert heard["transcript"] == default_script().caller_lines[0]
    assert answer["output"][0]["content"][0]["transcript"] == default_script().agent_turns[1].text


async def test_the_timeout_repeats_while_the_caller_stays_silent(pcmu_client):
    await configure(pcmu_client)
    spoken_ms = await agent_speaks(pcmu_client)
    await pcmu_client.append(silence_ulaw(spoken_ms + IDLE_MS + 100))
    first = await pcmu_client.next_of("input_audio_buffer.timeout_triggered")
    reprompt = await pcmu_client.collect_until("response.done")
    reprompt_ms = sum(
        len(base64.b64decode(e["delta"])) // 8
        for e in reprompt
        if e["type"] == "response.output_audio.delta"
    )
    await pcmu_client.append(silence_ulaw(reprompt_ms + IDLE_MS + 100))
    second = await pcmu_client.next_of("input_audio_buffer.timeout_triggered")
    # The re-prompt ended somewhere in the 100 ms appended after the first timeout; the caller
    # then heard all of it before the countdown started again.
    played_from = second["audio_start_ms"] - reprompt_ms
    assert first["audio_end_ms"] <= played_from <= first["audio_end_ms"] + 100
    assert second["item_id"] != first["item_id"]


async def test_caller_speech_stops_the_countdown(pcmu_client):
    await configure(pcmu_client, create_response=False)
    spoken_ms = await agent_speaks(pcmu_client)
    await pcmu_client.append(silence_ulaw(spoken_ms + 2000) + speech_ulaw(600))
    await pcmu_client.append(silence_ulaw(IDLE_MS + 1000))
    kinds = {e["type"] for e in await events_so_far(pcmu_client)}
    assert "input_audio_buffer.speech_stopped" in kinds
    assert "input_audio_buffer.timeout_triggered" not in kinds


async def test_without_create_response_the_silence_is_committed_but_not_answered(pcmu_client):
    await configure(pcmu_client, create_response=False)
    spoken_ms = await agent_speaks(pcmu_client)
    await pcmu_client.append(silence_ulaw(spoken_ms + IDLE_MS + 100))
    await pcmu_client.next_of("input_audio_buffer.timeout_triggered")
    kinds = {e["type"] for e in await events_so_far(pcmu_client)}
    assert "input_audio_buffer.committed" in kinds and "response.created" not in kinds


async def test_no_timeout_without_idle_timeout_ms(pcmu_client):
    await configure(pcmu_client, idle_timeout_ms=None)
    spoken_ms = await agent_speaks(pcmu_client)
    await pcmu_client.append(silence_ulaw(spoken_ms + 30000), frame_ms=100)
    kinds = {e["type"] for e in await events_so_far(pcmu_client)}
    assert "input_audio_buffer.timeout_triggered" not in kinds


async def test_the_countdown_starts_only_after_the_agent_has_spoken(pcmu_client):
    await configure(pcmu_client)
    await pcmu_client.append(silence_ulaw(IDLE_MS + 1000))
    kinds = {e["type"] for e in await events_so_far(pcmu_client)}
    assert "input_audio_buffer.timeout_triggered" not in kinds
