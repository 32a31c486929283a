"""A caller dials in and talks with the agent: greeting first, audio both ways, transcripts."""

import base64

import pytest
from channels.db import database_sync_to_async
from django.conf import settings

from calls.models import Call, Utterance
from calls.simulator.caller_audio import SpeechSignal
from prompts.models import AgentProfile, VadSettings
from tests.calls.conftest import responses_done
from tests.calls.waiting import delivered, eventually
from tests.openai_sdk import validate_session_update

pytestmark = pytest.mark.django_db(transaction=True)


def client_events(session, kind):
    """The client events of one type the fake received, in order."""
    return [r.event for r in session.received if r.event.get("type") == kind]


async def test_the_greeting_plays_first_and_reaches_the_caller(fake_ai, make_caller, drained):
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await call.wait_for(lambda c: c.heard_ms >= 500, timeout=10)
    creates = client_events(session, "response.create")
    assert creates, "the bridge asked for no response"
    first = creates[0]
    assert "안녕하세요, 고객센터 AI 상담원입니다." in first["response"]["instructions"]
    # The greeting was asked for before the caller said anything.
    assert not any(r.event.get("type") == "conversation.item.create" for r in session.received)
    await call.hang_up()
    await drained()
    row = await database_sync_to_async(Call.objects.get)(call_sid=call.call_sid)
    assert row.status == "completed"
    assert row.end_reason == "caller_hangup"


async def test_caller_audio_reaches_the_fake_byte_identical_and_in_order(
    fake_ai, make_caller, drained
):
    first, second = SpeechSignal(seed=1).next(400), SpeechSignal(seed=2).next(400)
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await call.send_audio(first)  # sent before the session is ready: kept, then forwarded
    await session.wait_for_client_event("session.update")
    await call.wait_for(lambda c: c.heard_ms > 0, timeout=10)
    await call.send_audio(second)
    await call.send_silence(100)
    await call.hang_up()
    appended = b"".join(
        base64.b64decode(e["audio"]) for e in client_events(session, "input_audio_buffer.append")
    )
    assert all(
        len(base64.b64decode(e["audio"])) == 160
        for e in client_events(session, "input_audio_buffer.append")
    )
    assert appended.startswith(first)
    assert second in appended
    assert appended.index(second) > appended.index(first)


async def test_the_session_update_matches_the_stored_settings(
    fake_ai, make_caller, default_profile, drained
):
    await database_sync_to_async(
        lambda: VadSettings.objects.filter(profile=default_profile).update(
            silence_duration_ms=1100, threshold=0.65
        )
    )()
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    update = await session.wait_for_client_event("session.update")
    await call.wait_for(lambda c: c.heard_ms > 0, timeout=10)
    await call.hang_up()
    sent = update["session"]
    audio = sent["audio"]
    assert audio["input"]["format"] == {"type": "audio/pcmu"}
    assert audio["output"]["format"] == {"type": "audio/pcmu"}
    assert audio["input"]["transcription"] == {"model": "gpt-live-transcribe", "languages": ["ko"]}
    detection = audio["input"]["turn_detection"]
    assert detection["type"] == "server_vad"
    assert detection["silence_duration_ms"] == 1100
    assert detection["threshold"] == 0.65
    assert audio["input"]["noise_reduction"] == {"type": "near_field"}
    assert "temperature" not in sent and "turn_detection" not in sent
    assert session.config["audio"]["input"]["turn_detection"]["silence_duration_ms"] == 1100


async def test_the_call_uses_the_profile_models_and_stores_the_session_it_sent(
    fake_ai, make_caller, default_profile, drained
):
    await database_sync_to_async(
        lambda: AgentProfile.objects.filter(pk=default_profile.pk).update(
            realtime_model="gpt-realtime-2",
            reasoning_effort="medium",
            transcription_model="gpt-transcribe",
            keywords="강남점\n한빛카드",
        )
    )()
    call = await make_caller().dial()
    # The early connection (default model, opened before `start`) may or may not have been
    # accepted before the call switched to its own model; it is never configured.
    session = await fake_ai.next_session()
    early = []
    while session.config["model"] == settings.OPENAI_REALTIME_MODEL:
        early.append(session)
        session = await fake_ai.next_session()
    update = await session.wait_for_client_event("session.update")
    await call.wait_for(lambda c: c.heard_ms > 0, timeout=10)
    assert len(early) <= 1
    assert not any(
        r.event for s in early for r in s.received if r.event["type"] == "session.update"
    )
    await call.hang_up()
    await drained()
    validate_session_update(update)
    assert session.config["model"] == "gpt-realtime-2"  # from ?model=, the call's frozen choice
    assert update["session"]["reasoning"] == {"effort": "medium"}
    assert update["session"]["audio"]["input"]["transcription"]["keywords"] == [
        "강남점",
        "한빛카드",
    ]
    stored = await database_sync_to_async(Call.objects.get)()
    assert stored.config["model"] == "gpt-realtime-2"
    assert stored.session_config == update["session"]


async def test_a_conversation_is_logged_with_caller_and_agent_lines(fake_ai, make_caller, drained):
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await eventually(lambda: delivered(call, session))
    await call.wait_for(lambda c: c.buffered_ms == 0, timeout=10)
    await call.send_speech(800)
    await call.wait_for(
        lambda c: responses_done(session) >= 2 and c.buffered_ms == 0 and c.heard_ms > 0,
        timeout=20,
    )
    await call.hang_up()
    await drained()
    lines = await database_sync_to_async(
        lambda: list(
            Utterance.objects.filter(call__call_sid=call.call_sid).values_list("speaker", "text")
        )
    )()
    assert ("caller", "배송 상태를 알고 싶어요.") in lines
    agent = [text for speaker, text in lines if speaker == "agent"]
    assert agent[0].startswith("안녕하세요, 고객센터 AI 상담원입니다.")
    assert agent[1].startswith("네, 주문번호를 말씀해 주시겠어요?")
