"""Supervisor voice through the real bridge: listen in, take over from the AI, hand back."""

import asyncio

import pytest
from channels.db import database_sync_to_async

from calls.compliance.models import AccessLogEntry
from calls.live.protocol import listen_audio
from calls.live.supervisor_voice import APOLOGY_INSTRUCTIONS, RESUME_INSTRUCTIONS, SupervisorVoice
from calls.models import CallEvent, Utterance
from calls.monitoring import live_audio
from tests.calls.conftest import drained, fake_ai, make_caller, realtime_script  # noqa: F401
from tests.monitoring.sockets import open_monitor
from tests.monitoring.test_supervisor_actions_reach_the_bridge import in_memory_layer  # noqa: F401
from tests.monitoring.voice_helpers import SocketReader, dominant_hz, level_at, tone_ulaw, user_with

pytestmark = pytest.mark.django_db(transaction=True)

CALLER_HZ = 1250.0
SUPERVISOR_HZ = 1750.0
AI_TONES_HZ = (220.0, 440.0, 660.0, 880.0)  # the fake speaks its n-th response at 220 * (n % 4 + 1)


@pytest.fixture
async def listener(django_user_model):
    """A supervisor who may listen."""
    return await user_with(django_user_model, "listener", "listen_call")


@pytest.fixture
async def taker(django_user_model):
    """A supervisor who may listen and take calls over."""
    return await user_with(django_user_model, "taker", "listen_call", "take_over_call")


@pytest.fixture
async def second_taker(django_user_model):
    """Another supervisor who may take calls over."""
    return await user_with(django_user_model, "second", "listen_call", "take_over_call")


async def socket_for(user) -> SocketReader:
    return SocketReader(await open_monitor(user))


def events_of(call_sid: str) -> list[tuple[str, str | None, dict]]:
    return [
        (e.kind, e.actor.username if e.actor else None, e.data)
        for e in CallEvent.objects.filter(call__call_sid=call_sid, kind__startswith="supervisor_")
        .select_related("actor")
        .order_by("id")
    ]


def client_events(session, kind: str) -> list[dict]:
    """The client events of one type the fake received in a session."""
    return [r.event for r in session.received if r.event and r.event.get("type") == kind]


async def test_without_listen_call_a_supervisor_cannot_listen(
    fake_ai,  # noqa: F811
    make_caller,  # noqa: F811
    django_user_model,
    recorded_audio,
):
    watcher = await user_with(django_user_model, "watcher")  # may watch, not listen
    call = await make_caller(clock="real").dial()
    page = await socket_for(watcher)
    await page.send({"action": "listen", "call_sid": call.call_sid})
    refused = await page.wait_for(lambda r: r.message(type="error"))
    assert refused["code"] == "forbidden" and refused["action"] == "listen"
    await call.send_audio(tone_ulaw(CALLER_HZ, 400))
    assert recorded_audio.frames == []
    await call.hang_up()
    await page.close()


async def test_without_take_over_call_a_supervisor_cannot_take_over(
    fake_ai,  # noqa: F811
    make_caller,  # noqa: F811
    listener,
):
    call = await make_caller(clock="real").dial()
    session = await fake_ai.next_session()
    page = await socket_for(listener)
    await page.send({"action": "take_over", "call_sid": call.call_sid})
    refused = await page.wait_for(lambda r: r.message(type="error"))
    assert refused["code"] == "forbidden" and refused["action"] == "take_over"
    await call.send_silence(200)
    assert [e for e in client_events(session, "session.update")][1:] == []  # only the setup
    await call.hang_up()
    await page.close()


@pytest.fixture
def recorded_audio(monkeypatch):
    """Every frame the calls hand to the audio publisher (still delivered to the layer)."""

    class Recording(live_audio.AudioPublisher):
        def __init__(self):
            super().__init__()
            self.frames = []

        def publish(self, call_sid, frame):
            self.frames.append(frame)
            super().publish(call_sid, frame)

    recording = Recording()
    monkeypatch.setattr(live_audio, "audio_publisher", recording)
    return recording


async def test_no_audio_is_published_while_nobody_listens(
    fake_ai,  # noqa: F811
    make_caller,  # noqa: F811
    recorded_audio,
    listener,
):
    call = await make_caller(clock="real").dial()
    await call.wait_for(lambda c: c.heard_ms > 300, timeout=10)  # the greeting plays
    await call.send_audio(tone_ulaw(CALLER_HZ, 600))
    await call.send_silence(600)
    assert recorded_audio.frames == []

    page = await socket_for(listener)  # one listens, then stops: publishing stops with it
    await page.send({"action": "listen", "call_sid": call.call_sid})
    await call.wait_for(lambda c: len(recorded_audio.frames) >= 5, timeout=10)
    await page.send({"action": "unlisten", "call_sid": call.call_sid})
    await page.wait_for(lambda r: r.message(type="voice.stopped"))
    await call.send_silence(200)  # the stop reaches the call's holder
    published = len(recorded_audio.frames)
    await call.send_audio(tone_ulaw(CALLER_HZ, 400))
    assert len(recorded_audio.frames) == published
    await call.hang_up()
    await page.close()


async def test_a_listener_hears_the_callers_tone_and_the_agent_as_the_caller_heard_it(
    fake_ai,  # noqa: F811
    make_caller,  # noqa: F811
    drained,  # noqa: F811
    listener,
):
    call = await make_caller(clock="real").dial()
    page = await socket_for(listener)
    await page.send({"action": "listen", "call_sid": call.call_sid})
    await page.wait_for(lambda r: r.message(type="voice.reply", op="listen", ok=True))
    await call.send_audio(tone_ulaw(CALLER_HZ, 600))  # the caller asks; the AI answers
    await call.wait_for(lambda c: len(page.audio(listen_audio.AGENT)) >= 8 * 500, timeout=10)
    caller_audio = page.audio(listen_audio.CALLER)
    tone_frames = [f for f in page.frames if f.channel == 0 and dominant_hz(f.ulaw) > 1000]
    assert len(tone_frames) >= 25  # 600 ms of tone in 20 ms frames (a frame may straddle)
    assert abs(dominant_hz(b"".join(f.ulaw for f in tone_frames)) - CALLER_HZ) < 20
    assert len(caller_audio) % 160 == 0
    assert abs(dominant_hz(page.audio(listen_audio.AGENT)) - AI_TONES_HZ[1]) < 20  # its answer
    seqs = [f.seq for f in page.frames]
    assert seqs == sorted(seqs)

    await page.close()  # closing the socket ends the lease at once
    await call.send_silence(200)
    await call.hang_up()
    await drained()
    kinds = [
        (kind, actor) for kind, actor, _ in await database_sync_to_async(events_of)(call.call_sid)
    ]
    assert kinds == [("supervisor_listen", "listener"), ("supervisor_listen_stop", "listener")]


async def hold(page: SocketReader, call_sid: str) -> dict:
    await page.send({"action": "take_over", "call_sid": call_sid})
    return await page.wait_for(lambda r: r.message(type="voice.reply", op="take_over"))


async def talk(page: SocketReader, ms: int, hz: float = SUPERVISOR_HZ, start_seq: int = 1) -> int:
    """The supervisor's microphone: ms of a tone, then silence, in 20 ms frames, in real time."""
    audio = tone_ulaw(hz, ms) + b"\xff" * 8 * 800
    seq = start_seq
    for offset in range(0, len(audio), 160):
        frame = listen_audio.pack(
            listen_audio.SUPERVISOR, seq, seq * 20, audio[offset : offset + 160]
        )
        await page.socket.send_to(bytes_data=frame)
        seq += 1
        await asyncio.sleep(0.02)  # a microphone's pace
    return seq


async def test_taking_over_silences_the_ai_and_the_caller_hears_the_supervisor_until_hand_back(
    fake_ai,  # noqa: F811
    make_caller,  # noqa: F811
    drained,  # noqa: F811
    taker,
):
    call = await make_caller(clock="real").dial()
    session = await fake_ai.next_session()
    await call.wait_for(lambda c: c.heard_ms > 300, timeout=10)  # the greeting is playing
    assert call.buffered_ms > 300
    page = await socket_for(taker)
    await page.send({"action": "subscribe", "target": "call", "call_sid": call.call_sid})
    await page.wait_for(lambda r: r.message(type="snapshot"))
    heard_before = len(call.heard)

    answer = await hold(page, call.call_sid)
    assert answer["ok"] is True
    await call.wait_for(lambda c: c.clears, timeout=5)  # the AI's audio is cut at once
    update = await session.wait_for_client_event(
        lambda e: e["type"] == "session.update" and e["event_id"].startswith("evt_voice")
    )
    quiet = update["session"]["audio"]["input"]["turn_detection"]
    assert (quiet["create_response"], quiet["interrupt_response"]) == (False, False)
    transcriber = await fake_ai.next_session()

    talking = asyncio.ensure_future(talk(page, 1200))
    await call.send_silence(2100)
    seq = await talking
    await call.send_audio(tone_ulaw(CALLER_HZ, 800))  # the caller answers the supervisor
    await call.send_silence(900)

    after = b"".join(audio for _, audio in call.heard[heard_before:])
    assert abs(dominant_hz(after) - SUPERVISOR_HZ) < 20
    assert max(level_at(after, hz) for hz in AI_TONES_HZ) < 0.02 * level_at(after, SUPERVISOR_HZ)
    assert client_events(transcriber, "input_audio_buffer.append")  # the supervisor's words
    appended = len(client_events(session, "input_audio_buffer.append"))
    assert appended > 100  # the caller's audio still reaches the call's session
    done = [r.event for r in session.sent if r.event.get("type") == "response.done"]
    assert all(d["response"]["status"] != "completed" for d in done[1:])  # no new AI answer

    item = await session.wait_for_client_event(
        lambda e: (
            e["type"] == "conversation.item.create"
            and e["item"].get("role") == "assistant"
            and e["event_id"].startswith("evt_sv")
        )  # not a greeting replayed as the agent's words
    )
    spoken = item["item"]["content"][0]["text"]
    assert spoken  # what the transcription session heard the supervisor say
    shown = await page.wait_for(lambda r: r.message(type="call.utterance", speaker="supervisor"))
    assert shown["text"] == spoken
    assert page.message(type="call.event", kind="supervisor_take_over")["data"] == {
        "actor_name": "taker"
    }

    await page.send({"action": "hand_back", "call_sid": call.call_sid, "text": "환불을 안내하세요"})
    back = await page.wait_for(lambda r: r.message(type="voice.reply", op="hand_back"))
    assert back["ok"] is True
    resume = await session.wait_for_client_event(
        lambda e: e["type"] == "response.create" and e["event_id"].startswith("evt_resume")
    )
    assert resume["response"]["instructions"] == RESUME_INSTRUCTIONS
    order = [r.event.get("event_id", "") for r in session.received if r.event]
    said_ids = [i for i, e in enumerate(order) if e.startswith("evt_sv")]
    assert said_ids and max(said_ids) < order.index(resume["event_id"])  # said, then resumed
    restored = await session.wait_for_client_event(
        lambda e: e["type"] == "session.update" and e["event_id"].startswith("evt_voice")
    )
    assert restored["session"]["audio"]["input"]["turn_detection"]["create_response"] is True
    heard_at_hand_back = len(call.heard)
    await call.wait_for(lambda c: len(c.heard) > heard_at_hand_back + 3, timeout=10)
    await call.send_silence(400)
    again = b"".join(audio for _, audio in call.heard[heard_at_hand_back:])
    assert min(abs(dominant_hz(again) - hz) for hz in AI_TONES_HZ) < 20  # the AI speaks again
    await call.hang_up()
    await drained()
    logged = await database_sync_to_async(events_of)(call.call_sid)
    assert [(k, a) for k, a, _ in logged] == [
        ("supervisor_take_over", "taker"),
        ("supervisor_hand_back", "taker"),
    ]
    assert logged[1][2]["note"] == "환불을 안내하세요" and logged[1][2]["supervisor_turns"] >= 1
    turns = await database_sync_to_async(
        lambda: list(Utterance.objects.filter(call__call_sid=call.call_sid, speaker="supervisor"))
    )()
    assert [u.text for u in turns][0] == spoken
    assert seq > 1
    await page.close()


async def test_a_second_supervisor_cannot_take_a_held_call_and_sees_who_holds_it(
    fake_ai,  # noqa: F811
    make_caller,  # noqa: F811
    taker,
    second_taker,
):
    call = await make_caller(clock="real").dial()
    await call.wait_for(lambda c: c.heard_ms > 100, timeout=10)
    first, second = await socket_for(taker), await socket_for(second_taker)
    assert (await hold(first, call.call_sid))["ok"] is True
    refused = await hold(second, call.call_sid)
    assert (refused["ok"], refused["code"], refused["holder"]) == (False, "held", "taker")
    await second.send({"action": "hand_back", "call_sid": call.call_sid})
    not_yours = await second.wait_for(lambda r: r.message(type="voice.reply", op="hand_back"))
    assert (not_yours["ok"], not_yours["code"]) == (False, "not_holder")
    logged = await database_sync_to_async(
        lambda: sorted(
            AccessLogEntry.objects.filter(call_sid=call.call_sid).values_list(
                "username", "action", "detail"
            )
        )
    )()
    assert logged == [  # the compliance access log names every attempt by a rightful supervisor
        ("second", "supervisor_action", "hand_back"),
        ("second", "supervisor_action", "take_over"),
        ("taker", "supervisor_action", "take_over"),
    ]
    await call.hang_up()
    await first.close()
    await second.close()


async def test_a_lost_holder_socket_gives_the_call_back_to_the_ai_with_an_apology(
    fake_ai,  # noqa: F811
    make_caller,  # noqa: F811
    drained,  # noqa: F811
    taker,
    monkeypatch,
):
    monkeypatch.setattr(SupervisorVoice, "grace_seconds", 0.5)
    call = await make_caller(clock="real").dial()
    session = await fake_ai.next_session()
    await call.wait_for(lambda c: c.heard_ms > 100, timeout=10)
    page = await socket_for(taker)
    assert (await hold(page, call.call_sid))["ok"] is True
    await talk(page, 200)
    await page.close()  # the supervisor's tab crashed

    apology = session.wait_for_client_event(
        lambda e: e["type"] == "response.create" and e["event_id"].startswith("evt_resume"),
        timeout=5,
    )
    heard = len(call.heard)
    waiting = asyncio.ensure_future(apology)
    await call.wait_for(lambda c: waiting.done(), timeout=5)
    assert waiting.result()["response"]["instructions"] == APOLOGY_INSTRUCTIONS
    await call.wait_for(lambda c: len(c.heard) > heard + 3, timeout=10)  # never dead air
    await call.hang_up()
    await drained()
    logged = await database_sync_to_async(events_of)(call.call_sid)
    assert logged[-1][0] == "supervisor_hand_back" and logged[-1][2]["reason"] == "socket_lost"
