"""session.update is strict like the GA service: beta keys refused, nothing half-applied (§2)."""

import pytest

PCMU = {"type": "audio/pcmu"}
VOICE_CEDAR = {"type": "realtime", "audio": {"output": {"voice": "cedar"}}}


async def test_temperature_is_refused_and_nothing_of_that_update_is_applied(client):
    refused = await client.update_session(
        {"type": "realtime", "instructions": "Speak Korean.", "temperature": 0.8}
    )
    assert refused["type"] == "error"
    assert refused["error"]["code"] == "unknown_parameter"
    assert refused["error"]["param"] == "session.temperature"
    assert refused["error"]["message"] == "Unknown parameter: 'session.temperature'."

    accepted = await client.update_session({"type": "realtime", "tool_choice": "none"})
    assert accepted["type"] == "session.updated"
    assert accepted["session"]["instructions"] != "Speak Korean."
    assert accepted["session"]["tool_choice"] == "none"


@pytest.mark.parametrize(
    ("session", "param"),
    [
        ({"turn_detection": {"type": "server_vad"}}, "session.turn_detection"),
        ({"input_audio_format": "g711_ulaw"}, "session.input_audio_format"),
        ({"voice": "alloy"}, "session.voice"),
        ({"modalities": ["audio", "text"]}, "session.modalities"),
        (
            {"input_audio_transcription": {"model": "whisper-1"}},
            "session.input_audio_transcription",
        ),
        ({"max_response_output_tokens": 100}, "session.max_response_output_tokens"),
        (
            {"audio": {"input": {"input_audio_noise_reduction": {"type": "near_field"}}}},
            "session.audio.input.input_audio_noise_reduction",
        ),
        (
            {"audio": {"input": {"turn_detection": {"type": "server_vad", "loud": True}}}},
            "session.audio.input.turn_detection.loud",
        ),
    ],
)
async def test_beta_and_unknown_keys_are_refused_with_a_dotted_param(client, session, param):
    refused = await client.update_session({"type": "realtime", **session})
    assert refused["error"]["code"] == "unknown_parameter"
    assert refused["error"]["param"] == param
    assert refused["error"]["message"] == f"Unknown parameter: '{param}'."


async def test_session_type_is_required(client):
    refused = await client.update_session({"instructions": "hi"})
    assert refused["error"]["code"] == "missing_required_parameter"
    assert refused["error"]["param"] == "session.type"
    assert refused["error"]["message"] == "Missing required parameter: 'session.type'."


@pytest.mark.parametrize(
    ("audio", "param"),
    [
        ({"input": {"format": {"type": "audio/wav"}}}, "session.audio.input.format.type"),
        (
            {"input": {"format": {"type": "audio/pcm", "rate": 16000}}},
            "session.audio.input.format.rate",
        ),
        ({"output": {"voice": "nova"}}, "session.audio.output.voice"),
        (
            {"input": {"turn_detection": {"type": "semantic_vad", "eagerness": "eager"}}},
            "session.audio.input.turn_detection.eagerness",
        ),
    ],
)
async def test_values_outside_an_enumeration_are_invalid_value(client, audio, param):
    refused = await client.update_session({"type": "realtime", "audio": audio})
    assert refused["error"]["code"] == "invalid_value"
    assert refused["error"]["param"] == param


@pytest.mark.parametrize(
    ("turn_detection", "param", "code"),
    [
        ({"type": "server_vad", "threshold": 1.5}, "threshold", "decimal_above_max_value"),
        ({"type": "server_vad", "threshold": -0.1}, "threshold", "decimal_below_min_value"),
        (
            {"type": "server_vad", "idle_timeout_ms": 1000},
            "idle_timeout_ms",
            "integer_below_min_value",
        ),
        (
            {"type": "server_vad", "idle_timeout_ms": 60000},
            "idle_timeout_ms",
            "integer_above_max_value",
        ),
    ],
)
async def test_numbers_out_of_range_name_the_param(client, turn_detection, param, code):
    refused = await client.update_session(
        {"type": "realtime", "audio": {"input": {"turn_detection": turn_detection}}}
    )
    assert refused["error"]["code"] == code
    assert refused["error"]["param"] == f"session.audio.input.turn_detection.{param}"


async def test_session_updated_carries_the_full_effective_config(client):
    updated = await client.update_session(
        {"type": "realtime", "audio": {"input": {"format": PCMU}, "output": {"format": PCMU}}}
    )
    session = updated["session"]
    assert session["audio"]["input"]["format"] == PCMU
    assert session["audio"]["output"]["format"] == PCMU
    # Untouched fields are still there with their previous values.
    assert session["audio"]["output"]["voice"] == "marin"
    assert session["audio"]["input"]["turn_detection"]["type"] == "server_vad"
    assert session["instructions"] and session["model"] == "gpt-realtime"
    assert {"id", "object", "tools", "tool_choice", "max_output_tokens", "expires_at"} <= set(
        session
    )


async def test_only_sent_fields_change_and_null_clears_turn_detection(client):
    await client.update_session({"type": "realtime", "instructions": "고객을 도와주세요."})
    updated = await client.update_session(
        {"type": "realtime", "audio": {"input": {"turn_detection": None}}}
    )
    assert updated["session"]["instructions"] == "고객을 도와주세요."
    assert updated["session"]["audio"]["input"]["turn_detection"] is None


async def test_the_model_cannot_change(client):
    refused = await client.update_session({"type": "realtime", "model": "gpt-realtime-mini"})
    assert refused["type"] == "error"
    assert refused["error"]["param"] == "session.model"


async def test_the_client_event_id_is_echoed_only_in_errors(client):
    await client.send(
        {"type": "session.update", "event_id": "evt_ok", "session": {"type": "realtime"}}
    )
    updated = await client.next_of("session.updated")
    assert "evt_ok" not in str(updated)
    await client.send(
        {"type": "session.update", "event_id": "evt_bad", "session": {"type": "realtime", "x": 1}}
    )
    error = await client.next_of("error")
    assert error["error"]["event_id"] == "evt_bad"
    assert error["event_id"].startswith("event_") and error["event_id"] != "evt_bad"


async def test_a_server_told_to_reject_updates_rejects_them_like_the_real_service(server, client):
    server.reject_session_updates = ("invalid_request_error", "unknown_parameter")
    refused = await client.update_session({"type": "realtime", "instructions": "hi"})
    assert refused["error"]["code"] == "unknown_parameter"
    assert refused["error"]["param"] == "session.instructions"
    session = await server.next_session()
    assert session.config["instructions"] != "hi"

    server.reject_session_updates = None
    assert (await client.update_session({"type": "realtime"}))["type"] == "session.updated"


async def test_the_voice_cannot_change_once_the_model_has_spoken(client):
    assert (await client.update_session(VOICE_CEDAR))["session"]["audio"]["output"][
        "voice"
    ] == "cedar"
    await client.send({"type": "response.create"})
    await client.next_of("response.done")
    refused = await client.update_session({**VOICE_CEDAR, "audio": {"output": {"voice": "marin"}}})
    assert refused["error"]["code"] == "cannot_update_voice"
    assert (await client.update_session(VOICE_CEDAR))["type"] == "session.updated"
