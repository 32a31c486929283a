"""The caller never hears dead air: a refused AI session apologises; bad frames are dropped."""

import base64

import pytest
from channels.db import database_sync_to_async

from calls.models import Call, CallEvent
from calls.simulator.caller_audio import SpeechSignal

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_refused_session_update_ends_with_the_apology_not_silence(
    fake_ai, make_caller, drained
):
    fake_ai.reject_session_updates = ("invalid_request_error", "unknown_parameter")
    call = await make_caller().dial()
    result = await call.wait_until_ended(timeout=10)
    says = [verb[1] for verb in result.verbs if verb[0] == "Say"]
    assert any("죄송합니다" in text for text in says)
    assert result.outcome == "transferred"  # HUMAN_AGENT_NUMBER is configured in tests
    assert call.heard_ms == 0  # never a word in the wrong format
    await drained()
    row = await database_sync_to_async(Call.objects.get)(call_sid=call.call_sid)
    assert row.end_reason == "ai_unavailable"
    assert row.status == "failed"


async def test_without_a_human_number_the_apology_ends_with_hangup(fake_ai, make_caller, settings):
    settings.HUMAN_AGENT_NUMBER = ""
    fake_ai.reject_session_updates = ("invalid_request_error", "unknown_parameter")
    call = await make_caller().dial()
    result = await call.wait_until_ended(timeout=10)
    assert [verb[0] for verb in result.verbs] == ["Say", "Hangup"]


async def test_an_unreachable_ai_ends_with_the_apology(make_caller, settings, default_profile):
    settings.OPENAI_REALTIME_URL = "ws://127.0.0.1:9/v1/realtime"  # nothing listens there
    settings.MAX_RETRY_COUNT = 1
    call = await make_caller().dial()
    result = await call.wait_until_ended(timeout=10)
    assert any("죄송합니다" in verb[1] for verb in result.verbs if verb[0] == "Say")


async def test_malformed_twilio_frames_mid_call_do_not_stop_the_audio(
    fake_ai, make_caller, drained
):
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await session.wait_for_client_event("session.update")
    socket = call._session.socket  # the raw socket, to send what Twilio never would
    for bad in ["{not json", '{"event": "nonsense"}', '{"event": "media"}', "[]", "x" * 70_000]:
        await socket.send_text(bad)
    await socket._comm.send_input({"type": "websocket.receive", "bytes": b"\x00\x01"})
    marker = SpeechSignal(seed=7).next(200)
    await call.send_audio(marker)
    await call.wait_for(
        lambda c: (
            marker
            in b"".join(
                base64.b64decode(r.event["audio"])
                for r in session.received
                if r.event and r.event.get("type") == "input_audio_buffer.append"
            )
        ),
        timeout=10,
    )
    await call.wait_for(lambda c: c.heard_ms > 0, timeout=10)
    await call.hang_up()
    await drained()
    row = await database_sync_to_async(Call.objects.get)(call_sid=call.call_sid)
    assert row.protocol_errors >= 6
    assert row.end_reason == "caller_hangup"
    kinds = await database_sync_to_async(
        lambda: list(
            CallEvent.objects.filter(call=row, kind="bad_frame").values_list("data", flat=True)
        )
    )()
    assert {"reason": "not JSON"} in kinds
    assert {"reason": "binary frame"} in kinds


async def test_a_bug_in_an_ai_event_handler_ends_with_the_apology_not_dead_air(
    fake_ai, make_caller, drained, monkeypatch, caplog
):
    from calls.live.bridge import CallBridge
    from calls.live.protocol import realtime as rt

    async def broken_handler(bridge, event):
        raise RuntimeError("a bug in the bridge")

    monkeypatch.setitem(CallBridge.HANDLERS, rt.AgentTranscriptDelta, broken_handler)
    call = await make_caller().dial()
    result = await call.wait_until_ended(timeout=10)
    assert any("죄송합니다" in verb[1] for verb in result.verbs if verb[0] == "Say")
    assert result.outcome == "transferred"
    await drained()
    row = await database_sync_to_async(Call.objects.get)(call_sid=call.call_sid)
    assert row.end_reason == "error"
    ended = await database_sync_to_async(
        lambda: CallEvent.objects.get(call=row, kind="call_ended").data
    )()
    assert ended["error"] == "RuntimeError: a bug in the bridge"
    assert "bridge-realtime failed" in caplog.text


async def test_a_frame_sent_while_the_twilio_socket_closes_is_dropped_quietly():
    from autobahn.exception import Disconnected

    from calls.live.media_stream import MediaStreamConsumer

    async def closed_socket(message):
        raise Disconnected("Attempt to send on a closed protocol")

    consumer = MediaStreamConsumer()
    consumer.base_send = closed_socket
    await consumer.send_text('{"event": "media"}')
    await consumer.send_text('{"event": "mark"}')
    assert consumer.frames_after_close == 2
