"""In a real browser: log in, watch a simulated Korean call appear, follow it live, hang it up."""

import asyncio

import pytest
from django.conf import settings

from calls.demo.conversation import DEMO_SCRIPT, until_agent_has_spoken
from calls.simulator.fake_realtime import FakeRealtimeServer
from calls.simulator.twilio_caller import StreamEnded, TwilioCaller
from tests.monitoring.browser import launch, require_browser, server_with_staff

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "browser-test-password-1"
WAIT_MS = 15_000


@pytest.fixture
async def fake_ai():
    """The fake OpenAI Realtime server, in this process, speaking the demo script."""
    async with FakeRealtimeServer(
        api_key=settings.OPENAI_API_KEY, script=DEMO_SCRIPT, speed=4.0
    ) as server:
        yield server


@pytest.fixture
async def daphne_server(tmp_path, fake_ai):
    """The real server in a subprocess with its own database and a staff account."""
    require_browser()
    server = await asyncio.to_thread(server_with_staff, tmp_path, fake_ai.url, "watcher", PASSWORD)
    yield server
    await asyncio.to_thread(server.stop)


async def caller_side(call):
    """The caller hears the greeting, asks about a delivery, then stays on the line."""
    try:
        await until_agent_has_spoken(call)
        await call.send_speech(1500)
        return await call.wait_until_ended(timeout=60)
    except StreamEnded:
        return await call.hang_up()


async def test_a_supervisor_watches_a_call_live_and_hangs_it_up(daphne_server, tmp_path):
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as playwright:
        browser = await launch(playwright)
        context = await browser.new_context(locale="ko-KR", viewport={"width": 1400, "height": 900})
        page = await context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        blocked = []  # what the Content-Security-Policy refused (our pages need nothing refused)
        page.on(
            "console",
            lambda message: "Content Security Policy" in message.text and blocked.append(message),
        )

        await page.goto(f"{daphne_server.base_url}/dashboard/")
        await page.fill("#id_username", "watcher")
        await page.fill("#id_password", PASSWORD)
        await page.click("input[type=submit]")
        await page.wait_for_url("**/dashboard/")
        await expect(page.locator("#no-calls")).to_have_text("진행 중인 통화가 없습니다.")

        caller = TwilioCaller(
            base_url=daphne_server.base_url,
            auth_token=settings.TWILIO_AUTH_TOKEN,
            account_sid=settings.TWILIO_ACCOUNT_SID,
            from_number="+821055501234",
            clock="real",
        )
        call = await caller.dial()
        conversation = asyncio.create_task(caller_side(call))

        row = page.locator(f'tr.call-row[data-call-sid="{call.call_sid}"]')
        await expect(row.locator("a.number")).to_have_text("010-****-1234", timeout=WAIT_MS)
        await expect(row.locator(".state")).not_to_be_empty()
        await expect(page.locator("#kpi-calls .value")).to_have_text("1", timeout=WAIT_MS)
        await page.screenshot(path=tmp_path / "wallboard.png")

        await row.locator("a.number").click()
        await page.wait_for_url(f"**/dashboard/calls/{call.call_sid}/")
        agent = page.locator("#transcript .line.agent .text").first
        await expect(agent).to_contain_text("안녕하세요, 고객센터 AI 상담원입니다", timeout=WAIT_MS)
        caller_line = page.locator("#transcript .line.caller .text").first
        await expect(caller_line).to_have_text(DEMO_SCRIPT.caller_lines[0], timeout=WAIT_MS)
        await expect(page.locator("#transcript .line.agent")).to_have_count(2, timeout=WAIT_MS)

        await page.click('#actions button[data-action="hangup"]')
        await expect(page.locator("#call-state")).to_have_text("종료", timeout=WAIT_MS)
        await expect(page.locator("#end-reason")).not_to_have_text("–", timeout=WAIT_MS)
        await expect(page.locator('#actions button[data-action="hangup"]')).to_be_disabled()
        await page.screenshot(path=tmp_path / "call.png", full_page=True)
        await browser.close()
        assert [message.text for message in blocked] == []

    result = await asyncio.wait_for(conversation, 20)
    assert result.ended_by == "server"
    assert (tmp_path / "wallboard.png").stat().st_size > 10_000
