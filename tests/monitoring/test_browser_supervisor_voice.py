"""In a real browser with fake media devices: listen to a call, take it over, hand it back.

Chromium's fake microphone plays a WAV the test writes (a 1750 Hz tone, then silence, looped);
the simulated caller speaks a 1250 Hz tone; the fake AI speaks 220/440/660/880 Hz tones. The
page's player worklet reports the pitch of what it received, the caller's audio is analysed
after the take-over, and the fake AI shows what the call's session was told. Screenshots go to
the folder the test prints (under ARS_SCREENSHOT_DIR when set, else the test's tmp_path).
"""

import asyncio
import os
import wave
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings

from calls.demo.conversation import DEMO_SCRIPT
from calls.simulator.fake_realtime import FakeRealtimeServer
from calls.simulator.twilio_caller import StreamEnded, TwilioCaller
from tests.monitoring.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    require_browser,
    server_with_staff,
)
from tests.monitoring.voice_helpers import dominant_hz, level_at, tone_ulaw

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "voice-browser-password-1"
WAIT_MS = 20_000
CALLER_HZ = 1250.0
SUPERVISOR_HZ = 1750.0
AI_TONES_HZ = (220.0, 440.0, 660.0, 880.0)


def write_microphone_wav(path, hz: float = SUPERVISOR_HZ) -> None:
    """1.2 s of a tone then 0.8 s of silence, 48 kHz mono: Chromium loops it as the microphone."""
    rate = 48_000
    t = np.arange(int(rate * 1.2)) / rate
    tone = 0.3 * np.sin(2 * np.pi * hz * t)
    fade = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.01)
    samples = np.concatenate([tone * fade, np.zeros(int(rate * 0.8))])
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes((samples * 32767).astype("<i2").tobytes())


@pytest.fixture
async def fake_ai():
    """The fake OpenAI Realtime server, in this process, speaking the demo script."""
    async with FakeRealtimeServer(
        api_key=settings.OPENAI_API_KEY, script=DEMO_SCRIPT, speed=2.0
    ) as server:
        yield server


@pytest.fixture
async def daphne_server(tmp_path, fake_ai):
    """The real server in a subprocess, and a supervisor who may listen and take over."""
    require_browser()
    server = await asyncio.to_thread(
        server_with_staff, tmp_path, fake_ai.url, "boss", PASSWORD, "--voice"
    )
    yield server
    await asyncio.to_thread(server.stop)


async def caller_line(call, stop: asyncio.Event) -> None:
    """The caller speaks a short tone every two seconds until told to stop, then hangs up."""
    try:
        while not stop.is_set() and call.streaming:
            await call.send_audio(tone_ulaw(CALLER_HZ, 600))
            await call.send_silence(1400)
        await call.hang_up()
    except StreamEnded:
        pass


async def meter_reaches(page, condition: str) -> None:
    """Wait until the voice meter's numbers (dataset `m`, as numbers) satisfy a JS condition."""
    await page.wait_for_function(
        "() => { const d = document.querySelector('#voice-meter').dataset;"
        " const m = Object.fromEntries(Object.entries(d).map(([k, v]) => [k, Number(v)]));"
        f" return {condition}; }}",
        timeout=WAIT_MS,
    )


def heard_since(call, ms: float) -> bytes:
    """The audio the caller heard that started playing after call-clock ms."""
    return b"".join(audio for at, audio in call.heard if at >= ms)


async def test_a_supervisor_listens_takes_over_and_hands_back_in_the_browser(
    daphne_server, fake_ai, tmp_path
):
    from playwright.async_api import async_playwright, expect

    screens = Path(os.environ.get("ARS_SCREENSHOT_DIR") or tmp_path) / "voice-screens"
    screens.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {screens}")
    microphone = tmp_path / "supervisor.wav"
    write_microphone_wav(microphone)

    caller = TwilioCaller(
        base_url=daphne_server.base_url,
        auth_token=settings.TWILIO_AUTH_TOKEN,
        account_sid=settings.TWILIO_ACCOUNT_SID,
        from_number="+821055507777",
        clock="real",
    )
    call = await caller.dial()
    stop = asyncio.Event()
    line = asyncio.create_task(caller_line(call, stop))
    session = await fake_ai.next_session()

    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                headless=True,
                args=[
                    *CHROMIUM_ARGS,
                    "--autoplay-policy=no-user-gesture-required",
                    "--use-fake-ui-for-media-stream",
                    "--use-fake-device-for-media-stream",
                    f"--use-file-for-fake-audio-capture={microphone}",
                ],
            )
            viewport = {"width": 1400, "height": 1000}
            context = await browser.new_context(locale="ko-KR", viewport=viewport)
            page = await context.new_page()
            page.on("dialog", lambda dialog: dialog.accept())
            page.on("console", lambda message: print("browser:", message.text))
            await page.goto(f"{daphne_server.base_url}/dashboard/calls/{call.call_sid}/")
            await page.fill("#id_username", "boss")
            await page.fill("#id_password", PASSWORD)
            await page.click("input[type=submit]")
            await page.wait_for_url(f"**/dashboard/calls/{call.call_sid}/")

            # 1. Listen: the worklet receives the caller's tone and the agent's audio.
            await page.click("#listen")
            await expect(page.locator("#listen")).to_have_attribute("aria-pressed", "true")
            await meter_reaches(page, f"Math.abs(m.callerHz - {CALLER_HZ}) < {CALLER_HZ * 0.04}")
            await meter_reaches(page, "m.agentFrames > 0")
            listening = page.locator('#timeline li[data-kind="supervisor_listen"]')
            await expect(listening).to_have_count(1)
            await page.screenshot(path=screens / "1-listening.png", full_page=True)

            # 2. Take over: the AI stops; the caller hears the supervisor's tone, no AI after it.
            await page.click("#take-over")
            await expect(page.locator("#voice-status")).to_have_text(
                "고객과 직접 통화 중입니다. AI는 말하지 않습니다.", timeout=WAIT_MS
            )
            taken_at = call.now_ms
            await expect(page.locator("#voice-holder")).to_have_text("boss 님이 직접 응대 중")
            await meter_reaches(page, "m.microphoneFrames >= 150")  # 3 s of microphone
            await expect(page.locator("#transcript .line.supervisor").first).to_be_visible(
                timeout=WAIT_MS
            )
            await page.screenshot(path=screens / "2-taken-over.png", full_page=True)
            after = heard_since(call, taken_at)
            assert len(after) > 8 * 1000  # more than a second of the supervisor reached the caller
            assert abs(dominant_hz(after) - SUPERVISOR_HZ) < 25
            ai_level = max(level_at(after, hz) for hz in AI_TONES_HZ)
            assert ai_level < 0.02 * level_at(after, SUPERVISOR_HZ)

            # 3. Hand back: the AI hears what the supervisor said, and speaks again.
            await page.fill("#hand-back-note", "고객에게 환불 절차를 안내하세요.")
            await page.click("#hand-back")
            await expect(page.locator("#voice-status")).to_have_text(
                "통화를 AI에게 돌려주었습니다.", timeout=WAIT_MS
            )
            handed_at = call.now_ms
            transcriber = fake_ai.sessions[1]
            transcribed = [
                r.event["transcript"]
                for r in transcriber.sent
                if r.event.get("type") == "conversation.item.input_audio_transcription.completed"
            ]
            supervisor_items = [  # the supervisor's turns, as the agent's own (not the greeting's)
                r.event["item"]["content"][0]["text"]
                for r in session.received
                if r.event
                and r.event.get("type") == "conversation.item.create"
                and r.event["item"].get("role") == "assistant"
                and r.event.get("event_id", "").startswith("evt_sv")
            ]
            assert transcribed and supervisor_items == transcribed
            resume = await session.wait_for_client_event(
                lambda e: e["type"] == "response.create" and e["event_id"].startswith("evt_resume")
            )
            assert resume["response"]["instructions"].startswith("상담사가 통화를 AI 상담원에게")
            async with asyncio.timeout(WAIT_MS / 1000):
                while len(heard_since(call, handed_at)) < 8 * 400:  # noqa: ASYNC110 - caller state
                    await asyncio.sleep(0.05)
            again = heard_since(call, handed_at)
            assert min(abs(dominant_hz(again) - hz) for hz in AI_TONES_HZ) < 25
            handed = page.locator('#timeline li[data-kind="supervisor_hand_back"]')
            await expect(handed).to_contain_text("고객에게 환불 절차를 안내하세요.")
            await page.screenshot(path=screens / "3-handed-back.png", full_page=True)
            await browser.close()
    finally:
        stop.set()  # the caller hangs up (its loop also ends when the stream does)
    await asyncio.wait_for(line, 20)
    for name in ("1-listening.png", "2-taken-over.png", "3-handed-back.png"):
        assert (screens / name).stat().st_size > 10_000
