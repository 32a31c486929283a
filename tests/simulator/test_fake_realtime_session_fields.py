"""The fake takes the SDK 3.63 models and fields exactly as the SDK types allow (§11.1, §11.2)."""

import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from .conftest import API_KEY

NEW_MODELS = ["gpt-realtime-2.1", "gpt-realtime-2", "gpt-realtime-2.1-mini", "gpt-realtime-1.5"]
RETIRING_MODELS = ["gpt-realtime", "gpt-realtime-2025-08-28", "gpt-realtime-mini"]
TRANSCRIPTION = "session.audio.input.transcription"


def transcription(**settings) -> dict:
    """Return a session.update that sets only the input transcription."""
    return {"type": "realtime", "audio": {"input": {"transcription": settings}}}


async def opened(connect_client, model: str):
    """Connect with `?model=` and return the client and its session.created event."""
    client = await connect_client(model=model)
    return client, await client.next_of("session.created")


@pytest.mark.parametrize("model", NEW_MODELS + RETIRING_MODELS)
async def test_current_and_not_yet_retired_models_open_a_session(connect_client, model):
    _, created = await opened(connect_client, model)
    assert created["session"]["model"] == model


async def test_an_unknown_model_fails_the_upgrade_with_model_not_found(server):
    headers = {"Authorization": f"Bearer {API_KEY}"}
    with pytest.raises(InvalidStatus) as refused:
        await connect(f"{server.url}?model=gpt-realtime-9", additional_headers=headers)
    assert refused.value.response.status_code == 404
    error = json.loads(refused.value.response.body)["error"]
    assert error["code"] == "model_not_found" and error["type"] == "invalid_request_error"
    assert "gpt-realtime-9" in error["message"]


async def test_session_update_names_the_model_only_to_repeat_it(connect_client):
    client, _ = await opened(connect_client, "gpt-realtime-2.1")
    same = await client.update_session({"type": "realtime", "model": "gpt-realtime-2.1"})
    assert same["type"] == "session.updated"
    unknown = await client.update_session({"type": "realtime", "model": "gpt-5"})
    assert unknown["error"]["code"] == "invalid_value"
    assert unknown["error"]["param"] == "session.model"


@pytest.mark.parametrize("effort", ["minimal", "low", "medium", "high", "xhigh"])
async def test_reasoning_models_take_every_reasoning_effort(connect_client, effort):
    client, _ = await opened(connect_client, "gpt-realtime-2.1")
    reply = await client.update_session(
        {"type": "realtime", "reasoning": {"effort": effort}, "parallel_tool_calls": False}
    )
    assert reply["session"]["reasoning"] == {"effort": effort}
    assert reply["session"]["parallel_tool_calls"] is False


async def test_an_effort_outside_the_enumeration_is_invalid_value(connect_client):
    client, _ = await opened(connect_client, "gpt-realtime-2")
    reply = await client.update_session({"type": "realtime", "reasoning": {"effort": "max"}})
    assert reply["error"]["code"] == "invalid_value"
    assert reply["error"]["param"] == "session.reasoning.effort"


@pytest.mark.parametrize("model", ["gpt-realtime-1.5", "gpt-realtime", "gpt-realtime-2025-08-28"])
@pytest.mark.parametrize(
    ("field", "value"), [("reasoning", {"effort": "low"}), ("parallel_tool_calls", True)]
)
async def test_models_that_do_not_reason_refuse_reasoning_fields(
    connect_client, model, field, value
):
    client, _ = await opened(connect_client, model)
    reply = await client.update_session({"type": "realtime", field: value})
    assert reply["error"]["code"] == "unsupported_parameter"
    assert reply["error"]["param"] == f"session.{field}"
    assert reply["error"]["message"] == (
        f"Unsupported parameter: 'session.{field}' is not supported with this model."
    )


async def test_reasoning_can_be_set_per_response_on_a_reasoning_model(connect_client):
    client, _ = await opened(connect_client, "gpt-realtime-2.1-mini")
    await client.send({"type": "response.create", "response": {"reasoning": {"effort": "low"}}})
    assert (await client.next_of("response.done"))["response"]["status"] == "completed"
    legacy, _ = await opened(connect_client, "gpt-realtime-1.5")
    await legacy.send({"type": "response.create", "response": {"reasoning": {"effort": "low"}}})
    error = await legacy.next_of("error")
    assert error["error"]["code"] == "unsupported_parameter"
    assert error["error"]["param"] == "response.reasoning"


@pytest.mark.parametrize("model", ["gpt-live-transcribe", "gpt-transcribe"])
async def test_the_new_transcribers_take_languages_and_keywords(client, model):
    settings = {"model": model, "languages": ["ko", "en"], "keywords": ["ARS", "강남점"]}
    reply = await client.update_session(transcription(**settings))
    assert reply["session"]["audio"]["input"]["transcription"] == settings


@pytest.mark.parametrize("model", ["gpt-realtime-whisper", "whisper-1", "gpt-4o-transcribe"])
@pytest.mark.parametrize(("field", "value"), [("languages", ["ko"]), ("keywords", ["ARS"])])
async def test_other_transcribers_refuse_languages_and_keywords(client, model, field, value):
    reply = await client.update_session(transcription(model=model, **{field: value}))
    assert reply["error"]["code"] == "unsupported_parameter"
    assert reply["error"]["param"] == f"{TRANSCRIPTION}.{field}"


async def test_delay_is_only_for_gpt_realtime_whisper(client):
    whisper = await client.update_session(transcription(model="gpt-realtime-whisper", delay="low"))
    assert whisper["session"]["audio"]["input"]["transcription"]["delay"] == "low"
    other = await client.update_session(transcription(model="gpt-live-transcribe", delay="low"))
    assert other["error"]["code"] == "unsupported_parameter"
    assert other["error"]["param"] == f"{TRANSCRIPTION}.delay"
    wrong = await client.update_session(transcription(model="gpt-realtime-whisper", delay="none"))
    assert wrong["error"]["code"] == "invalid_value"


async def test_prompt_is_refused_only_with_gpt_realtime_whisper(client):
    ok = await client.update_session(transcription(model="gpt-live-transcribe", prompt="배송 문의"))
    assert ok["type"] == "session.updated"
    refused = await client.update_session(transcription(model="gpt-realtime-whisper", prompt="x"))
    assert refused["error"]["code"] == "unsupported_parameter"
    assert refused["error"]["param"] == f"{TRANSCRIPTION}.prompt"


@pytest.mark.parametrize(
    ("settings", "code", "param"),
    [
        ({"model": "gpt-4o-transcribe-2"}, "invalid_value", "model"),
        ({"model": "gpt-transcribe", "languages": ["korean"]}, "invalid_value", "languages[0]"),
        ({"model": "gpt-transcribe", "languages": "ko"}, "invalid_type", "languages"),
        ({"model": "gpt-transcribe", "keywords": ["ARS", ""]}, "empty_string", "keywords[1]"),
        ({"model": "gpt-transcribe", "keywords": [3]}, "invalid_type", "keywords[0]"),
        ({"model": "gpt-transcribe", "hotwords": ["ARS"]}, "unknown_parameter", "hotwords"),
    ],
)
async def test_bad_transcription_settings_name_the_field(client, settings, code, param):
    reply = await client.update_session(transcription(**settings))
    assert reply["error"]["code"] == code
    assert reply["error"]["param"] == f"{TRANSCRIPTION}.{param}"


async def test_truncation_takes_a_retention_ratio_with_token_limits(client):
    ratio = {"type": "retention_ratio", "retention_ratio": 0.8}
    reply = await client.update_session({"type": "realtime", "truncation": ratio})
    assert reply["session"]["truncation"] == ratio
    limited = {**ratio, "token_limits": {"post_instructions": 8000}}
    reply = await client.update_session({"type": "realtime", "truncation": limited})
    assert reply["session"]["truncation"] == limited
    for mode in ("auto", "disabled"):
        reply = await client.update_session({"type": "realtime", "truncation": mode})
        assert reply["session"]["truncation"] == mode


@pytest.mark.parametrize(
    ("truncation", "code", "param"),
    [
        ({"type": "retention_ratio", "retention_ratio": 1.5}, "decimal_above_max_value", ""),
        ({"type": "retention_ratio"}, "missing_required_parameter", ".retention_ratio"),
        ({"retention_ratio": 0.8}, "missing_required_parameter", ".type"),
        ({"type": "last_turns", "retention_ratio": 0.8}, "invalid_value", ".type"),
        (
            {"type": "retention_ratio", "retention_ratio": 0.8, "token_limits": {"max": 1}},
            "unknown_parameter",
            ".token_limits.max",
        ),
        ("sometimes", "invalid_value", ""),
    ],
)
async def test_bad_truncation_is_refused(client, truncation, code, param):
    reply = await client.update_session({"type": "realtime", "truncation": truncation})
    assert reply["error"]["code"] == code
    expected = "session.truncation" + param
    if code == "decimal_above_max_value":
        expected += ".retention_ratio"
    assert reply["error"]["param"] == expected


@pytest.mark.parametrize("value", [1, 4096, "inf"])
async def test_max_output_tokens_takes_1_to_4096_or_inf(client, value):
    reply = await client.update_session({"type": "realtime", "max_output_tokens": value})
    assert reply["session"]["max_output_tokens"] == value


@pytest.mark.parametrize("value", [0, 4097, "infinite", 10.5])
async def test_max_output_tokens_outside_its_range_is_refused(client, value):
    reply = await client.update_session({"type": "realtime", "max_output_tokens": value})
    assert reply["type"] == "error"
    assert reply["error"]["param"] == "session.max_output_tokens"


@pytest.mark.parametrize("voice", ["marin", "cedar", {"id": "voice_1234"}])
async def test_built_in_and_custom_voices_are_accepted(client, voice):
    reply = await client.update_session({"type": "realtime", "audio": {"output": {"voice": voice}}})
    assert reply["session"]["audio"]["output"]["voice"] == voice


@pytest.mark.parametrize(
    ("voice", "code", "param"),
    [
        ({}, "missing_required_parameter", ".id"),
        ({"id": "voice_1", "name": "x"}, "unknown_parameter", ".name"),
        ({"id": 7}, "invalid_type", ".id"),
        ("nova", "invalid_value", ""),
    ],
)
async def test_bad_voices_are_refused(client, voice, code, param):
    reply = await client.update_session({"type": "realtime", "audio": {"output": {"voice": voice}}})
    assert reply["error"]["code"] == code
    assert reply["error"]["param"] == "session.audio.output.voice" + param


async def test_idle_timeout_belongs_to_server_vad_only(client):
    semantic = {"type": "semantic_vad", "idle_timeout_ms": 6000}
    reply = await client.update_session(
        {"type": "realtime", "audio": {"input": {"turn_detection": semantic}}}
    )
    assert reply["error"]["code"] == "unknown_parameter"
    assert reply["error"]["param"] == "session.audio.input.turn_detection.idle_timeout_ms"


async def test_noise_reduction_strength_defaults_to_1_and_survives_updates(client):
    path = ("audio", "input", "noise_reduction")

    async def noise(value) -> dict:
        reply = await client.update_session(
            {"type": "realtime", "audio": {"input": {"noise_reduction": value}}}
        )
        return reply["session"][path[0]][path[1]][path[2]]

    assert await noise({"type": "near_field"}) == {"type": "near_field", "strength": 1.0}
    assert await noise({"type": "near_field", "strength": 0.4}) == {
        "type": "near_field",
        "strength": 0.4,
    }
    assert await noise({"type": "far_field"}) == {"type": "far_field", "strength": 0.4}


async def test_mcp_tools_need_a_server_label_and_known_keys(client):
    tool = {"type": "mcp", "server_label": "crm", "server_url": "https://crm.example/mcp"}
    assert (await client.update_session({"type": "realtime", "tools": [tool]}))["session"][
        "tools"
    ] == [tool]
    unlabelled = await client.update_session(
        {"type": "realtime", "tools": [{"type": "mcp", "server_url": "https://x"}]}
    )
    assert unlabelled["error"]["param"] == "session.tools[0].server_label"
    odd = await client.update_session({"type": "realtime", "tools": [{**tool, "colour": 1}]})
    assert odd["error"]["param"] == "session.tools[0].colour"
