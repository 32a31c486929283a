"""The instant greeting: recorded once per version and voice, played before the AI is ready."""

import pytest
from channels.db import database_sync_to_async

from calls.live.greeting import CACHED_ITEM_ID
from calls.live.greeting_cache import GreetingCache
from calls.models import Utterance
from calls.simulator.fake_realtime import FakeRealtimeServer
from prompts import services
from tests.calls.waiting import delivered, eventually

pytestmark = pytest.mark.django_db(transaction=True)

GREETING = "안녕하세요, 고객센터 AI 상담원입니다. 무엇을 도와드릴까요?"


@pytest.fixture
def greeting_dir(settings, tmp_path):
    """A greeting cache of this test's own."""
    settings.GREETING_CACHE_DIR = str(tmp_path / "greetings")
    return tmp_path / "greetings"


@pytest.fixture
async def fake_ai(settings, realtime_script):
    """A fake whose first audio of each response takes 800 ms."""
    server = FakeRealtimeServer(
        api_key=settings.OPENAI_API_KEY, script=realtime_script, first_audio_delay_ms=800
    )
    async with server:
        settings.OPENAI_REALTIME_URL = server.url
        yield server


def greeting_requests(session) -> list[dict]:
    """response.create events asking the model for the greeting."""
    return [
        r.event
        for r in session.received
        if r.event
        and r.event.get("type") == "response.create"
        and "인사말" in ((r.event.get("response") or {}).get("instructions") or "")
    ]


def assistant_items(session) -> list[str]:
    """Texts of assistant messages the bridge added to the conversation."""
    return [
        r.event["item"]["content"][0]["text"]
        for r in session.received
        if r.event
        and r.event.get("type") == "conversation.item.create"
        and r.event["item"].get("role") == "assistant"
    ]


def sent_types(session) -> list[str]:
    """Server event types the fake sent, in order."""
    return [r.event.get("type") for r in session.sent]


async def first_call(fake_ai, make_caller, greeting_dir):
    """A call that speaks the greeting from the model, recording it; ends when it is saved."""
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await eventually(lambda: delivered(call, session), within=10)
    await call.wait_for(lambda c: c.buffered_ms == 0, timeout=10)
    await call.hang_up()
    await eventually(lambda: list(greeting_dir.glob("v*.json")) != [])
    assert len(greeting_requests(session)) == 1
    return session


async def test_a_later_call_hears_the_cached_greeting_before_the_session_is_ready(
    fake_ai, make_caller, greeting_dir
):
    await first_call(fake_ai, make_caller, greeting_dir)
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await eventually(lambda: call.buffered_ms > 0 or call.heard_ms > 0)
    assert "response.output_audio.delta" not in sent_types(session)  # all from the cache
    await call.wait_for(lambda c: assistant_items(session) == [GREETING])
    assert greeting_requests(session) == []
    await call.wait_for(lambda c: c.buffered_ms == 0 and c.heard_ms > 2000)
    await call.hang_up()


async def test_barge_in_on_a_cached_greeting_clears_it_and_keeps_what_was_heard(
    fake_ai, make_caller, greeting_dir, drained
):
    await first_call(fake_ai, make_caller, greeting_dir)
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await eventually(lambda: call.buffered_ms >= 2000)
    await call.send_silence(600)
    await call.send_speech(400)
    await call.wait_for(lambda c: len(c.clears) == 1)
    truncates = [r for r in session.received if r.event and "truncate" in r.event["type"]]
    assert truncates == []  # not an OpenAI item: nothing to truncate
    await call.hang_up()
    await drained()
    greeting = await database_sync_to_async(
        lambda: Utterance.objects.get(call__call_sid=call.call_sid, item_id=CACHED_ITEM_ID)
    )()
    assert greeting.interrupted and greeting.text == GREETING
    assert greeting.heard_text and GREETING.startswith(greeting.heard_text)
    assert len(greeting.heard_text) < len(GREETING)


@database_sync_to_async
def new_version(profile, **changes):
    """Save and activate a new prompt version that differs from the active one by `changes`."""
    profile.refresh_from_db()
    active = profile.active_version
    values = {"instructions": active.instructions, "greeting": active.greeting}
    values.update(changes)
    return services.save_prompt_version(profile, **values)


async def test_a_new_prompt_version_does_not_reuse_the_old_greeting(
    fake_ai, make_caller, greeting_dir, default_profile
):
    await first_call(fake_ai, make_caller, greeting_dir)
    await new_version(default_profile, greeting="반갑습니다. 새 인사말입니다.")
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await call.wait_for(lambda c: len(greeting_requests(session)) == 1)
    assert assistant_items(session) == []
    await call.hang_up()


async def test_another_voice_does_not_reuse_the_greeting(
    fake_ai, make_caller, greeting_dir, default_profile
):
    await first_call(fake_ai, make_caller, greeting_dir)
    await new_version(default_profile, voice="cedar")
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await call.wait_for(lambda c: len(greeting_requests(session)) == 1)
    await call.hang_up()


def test_the_cache_survives_a_restart(greeting_dir):
    from calls.live.greeting_cache import CachedGreeting, GreetingKey

    key = GreetingKey(7, "marin", "gpt-realtime-2.1", "pcmu")
    GreetingCache(greeting_dir).save(CachedGreeting(key, GREETING, ("AAAA", "BBBB")))
    reopened = GreetingCache(greeting_dir).load(key)  # a new process: nothing in memory
    assert reopened is not None and reopened.chunks == ("AAAA", "BBBB")
    assert (
        GreetingCache(greeting_dir).load(GreetingKey(7, "cedar", "gpt-realtime-2.1", "pcmu"))
        is None
    )


def test_staff_play_the_cached_greeting_and_have_it_recorded_again(
    client, superuser, default_profile, greeting_dir, settings
):
    from django.urls import reverse

    from calls.live.greeting_cache import CachedGreeting, GreetingKey, cache_for

    version = default_profile.active_version
    key = GreetingKey(version.pk, version.voice, settings.OPENAI_REALTIME_MODEL, "pcmu")
    cache_for(str(greeting_dir)).save(CachedGreeting(key, GREETING, ("//////////8=",) * 4))
    client.force_login(superuser)
    page = client.get(reverse("admin:prompts_promptversion_change", args=[version.pk]))
    assert b"<audio controls" in page.content
    wav_url = reverse(
        "admin:prompts_promptversion_greeting",
        args=[version.pk, key.filename().removesuffix(".json")],
    )
    wav = client.get(wav_url)
    assert wav["Content-Type"] == "audio/wav" and wav.content[:4] == b"RIFF"
    client.post(
        reverse("admin:prompts_promptversion_changelist"),
        {"action": "record_greeting_again", "_selected_action": [str(version.pk)]},
    )
    assert cache_for(str(greeting_dir)).load(key) is None
    assert client.get(wav_url).status_code == 404


async def test_after_a_cached_greeting_the_first_answer_is_the_next_turn(
    fake_ai, make_caller, greeting_dir
):
    await first_call(fake_ai, make_caller, greeting_dir)
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await call.wait_for(lambda c: assistant_items(session) == [GREETING] and c.buffered_ms == 0)
    await call.send_speech(600)
    await call.wait_for(
        lambda c: any(
            r.event["type"] == "response.output_audio_transcript.done" for r in session.sent
        )
    )
    (said,) = [
        r.event["transcript"]
        for r in session.sent
        if r.event["type"] == "response.output_audio_transcript.done"
    ]
    assert said != GREETING  # the model answers the caller; it does not greet twice
    await call.hang_up()
