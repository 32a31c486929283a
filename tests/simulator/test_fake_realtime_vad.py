"""Server VAD runs on the session audio clock and honours its settings (§2.1, §4.1, §4.4)."""

import pytest

from calls.simulator.fake_realtime import FakeRealtimeServer, RealtimeOptions

from .conftest import API_KEY, PCMU_SESSION, default_script, silence_ulaw, speech_ulaw

FRAME_MS = 20


def vad_session(**turn_detection) -> dict:
    """Return a μ-law session.update with the given turn detection settings."""
    settings = {"type": "server_vad", "create_response": False, **turn_detection}
    audio = {**PCMU_SESSION["audio"]}
    audio["input"] = {**audio["input"], "turn_detection": settings}
    return {"type": "realtime", "audio": audio}


async def configure(client, **turn_detection) -> None:
    """Apply VAD settings and check they were accepted."""
    assert (await client.update_session(vad_session(**turn_detection)))["type"] == "session.updated"


async def test_turn_end_comes_within_one_frame_of_the_configured_silence(server, client):
    await configure(client, silence_duration_ms=500, prefix_padding_ms=300)
    session = await server.next_session()
    await client.append(silence_ulaw(1000) + speech_ulaw(800) + silence_ulaw(1000))

    stopped = await client.next_of("input_audio_buffer.speech_stopped")
    speech_end_ms = 1800
    assert abs(stopped["audio_end_ms"] - (speech_end_ms + 500)) <= FRAME_MS
    emitted = next(
        s for s in session.sent if s.event["type"] == "input_audio_buffer.speech_stopped"
    )
    assert abs(emitted.audio_ms - (speech_end_ms + 500)) <= FRAME_MS


async def test_speech_started_includes_the_prefix_padding(client):
    await configure(client, prefix_padding_ms=300)
    await client.append(silence_ulaw(1000) + speech_ulaw(400) + silence_ulaw(600))
    started = await client.next_of("input_audio_buffer.speech_started")
    assert started["audio_start_ms"] == 1000 - 300
    assert started["item_id"].startswith("item_")


async def test_prefix_padding_never_reaches_before_the_start_of_the_audio(client):
    await configure(client, prefix_padding_ms=300)
    await client.append(silence_ulaw(100) + speech_ulaw(400) + silence_ulaw(600))
    started = await client.next_of("input_audio_buffer.speech_started")
    assert started["audio_start_ms"] == 0


async def test_the_audio_clock_counts_all_audio_of_the_session(client):
    await configure(client, prefix_padding_ms=0, silence_duration_ms=300)
    await client.append(speech_ulaw(300) + silence_ulaw(400))
    await client.next_of("input_audio_buffer.speech_stopped")
    await client.append(silence_ulaw(300) + speech_ulaw(300) + silence_ulaw(400))
    started = await client.next_of("input_audio_buffer.speech_started")
    assert started["audio_start_ms"] == 700 + 300


async def test_audio_below_the_threshold_is_not_speech(client):
    await configure(client, threshold=0.5)  # speech above −35 dBFS
    await client.append(speech_ulaw(1000, dbfs=-45) + silence_ulaw(600))
    await client.send({"type": "input_audio_buffer.commit"})
    reply = await client.next_of(lambda e: e["type"].startswith("input_audio_buffer."))
    assert reply["type"] == "input_audio_buffer.committed"


async def test_a_higher_threshold_ignores_audio_the_default_would_hear(client):
    await configure(client, threshold=0.9)  # speech above −15 dBFS
    await client.append(speech_ulaw(1000, dbfs=-20) + silence_ulaw(600))
    await client.send({"type": "input_audio_buffer.commit"})
    reply = await client.next_of(lambda e: e["type"].startswith("input_audio_buffer."))
    assert reply["type"] == "input_audio_buffer.committed"


async def test_a_turn_commits_a_user_item_in_reference_order(client):
    await configure(client, create_response=True)
    await client.append(silence_ulaw(200) + speech_ulaw(600) + silence_ulaw(700))
    started = await client.next_of("input_audio_buffer.speech_started")
    events = await client.collect_until("response.created")
    kinds = [event["type"] for event in events]
    assert kinds == [
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
        "response.created",
    ]
    stopped, committed, added, done, _ = events
    assert stopped["item_id"] == committed["item_id"] == started["item_id"] == added["item"]["id"]
    assert committed["previous_item_id"] is None
    assert added["item"]["role"] == "user"
    assert added["item"]["content"] == [{"type": "input_audio", "transcript": None}]
    assert done["item"]["status"] == "completed"


async def test_transcription_arrives_only_when_configured(client):
    session = vad_session(create_response=False)
    session["audio"]["input"]["transcription"] = {"model": "gpt-4o-transcribe", "language": "ko"}
    await client.update_session(session)
    await client.append(speech_ulaw(600) + silence_ulaw(700))
    deltas = []
    while (event := await client.receive())["type"] != (
        "conversation.item.input_audio_transcription.completed"
    ):
        if event["type"] == "conversation.item.input_audio_transcription.delta":
            deltas.append(event["delta"])
    assert event["transcript"] == "네, 주문한 상품 배송 상태를 알고 싶어요."
    assert "".join(deltas) == event["transcript"]
    assert event["usage"]["type"] == "tokens"


@pytest.mark.parametrize(("eagerness", "silence_ms"), [("high", 400), ("low", 1500)])
async def test_semantic_vad_waits_longer_when_less_eager(client, eagerness, silence_ms):
    await configure(client, type="semantic_vad", eagerness=eagerness)
    await client.append(speech_ulaw(600) + silence_ulaw(2000))
    stopped = await client.next_of("input_audio_buffer.speech_stopped")
    waited = stopped["audio_end_ms"] - 600
    assert abs(waited - silence_ms) <= FRAME_MS
    assert waited <= {"high": 2000, "low": 8000}[eagerness]


async def test_without_turn_detection_the_client_commits_and_asks_for_responses(client):
    await client.update_session(
        {
            "type": "realtime",
            "audio": {"input": {"format": {"type": "audio/pcmu"}, "turn_detection": None}},
        }
    )
    await client.append(speech_ulaw(60))
    await client.send({"type": "input_audio_buffer.commit", "event_id": "evt_commit"})
    error = await client.next_of("error")
    assert error["error"]["code"] == "input_audio_buffer_commit_empty"
    assert error["error"]["message"] == (
        "Error committing input audio buffer: buffer too small. Expected at least 100ms of "
        "audio, but buffer only has 60.00ms of audio."
    )
    assert error["error"]["event_id"] == "evt_commit"

    await client.append(speech_ulaw(600) + silence_ulaw(1000))
    await client.send({"type": "input_audio_buffer.commit"})
    events = await client.collect_until("conversation.item.done")
    assert [e["type"] for e in events] == [
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
    ]


async def test_a_commit_right_after_a_vad_commit_finds_the_buffer_empty(client):
    await configure(client, silence_duration_ms=200)
    await client.append(speech_ulaw(400) + silence_ulaw(200))
    await client.next_of("input_audio_buffer.committed")
    await client.send({"type": "input_audio_buffer.commit"})
    error = await client.next_of("error")
    assert error["error"]["message"].endswith("buffer only has 0.00ms of audio.")


async def test_clear_empties_the_buffer(client):
    await configure(client)
    await client.append(silence_ulaw(400))
    await client.send({"type": "input_audio_buffer.clear"})
    await client.next_of("input_audio_buffer.cleared")
    await client.send({"type": "input_audio_buffer.commit"})
    assert (await client.next_of("error"))["error"]["code"] == "input_audio_buffer_commit_empty"


async def test_idle_timeout_commits_silence_and_starts_a_response(client):
    await configure(client, create_response=True, idle_timeout_ms=5000)
    await client.send({"type": "response.create"})
    done = await client.next_of("response.done")
    spoken_ms = sum(
        len(e["delta"]) * 3 // 4 // 8
        for e in client.events
        if e["type"] == "response.output_audio.delta"
    )
    await client.append(silence_ulaw(spoken_ms + 5000 + 200), frame_ms=100)
    triggered = await client.next_of("input_audio_buffer.timeout_triggered")
    assert done["response"]["status"] == "completed"
    assert abs(triggered["audio_end_ms"] - (spoken_ms + 5000)) <= 100
    committed = await client.next_of("input_audio_buffer.committed")
    assert committed["item_id"] == triggered["item_id"]
    await client.next_of("response.created")


async def test_the_user_item_done_can_wait_for_its_transcript(connect_client):
    options = RealtimeOptions(user_item_done_waits_for_transcript=True)
    async with FakeRealtimeServer(
        api_key=API_KEY, script=default_script(), options=options
    ) as fake:
        client = await connect_client(fake)
        await client.next_of("session.created")
        session = vad_session()
        session["audio"]["input"]["transcription"] = {"model": "whisper-1"}
        await client.update_session(session)
        await client.append(speech_ulaw(600) + silence_ulaw(700))
        completed = await client.next_of("conversation.item.input_audio_transcription.completed")
        done = await client.next_of("conversation.item.done")
    assert completed["usage"]["type"] == "duration"
    assert done["item"]["content"][0]["transcript"] == completed["transcript"]
