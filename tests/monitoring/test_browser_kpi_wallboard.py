"""In Chromium: the contact-centre wallboard's tiles and charts, and a readable Korean timeline.

Screenshots (wall screen 1920×1080 and a 1280×800 laptop) go to a folder the test prints.
"""

import asyncio
import subprocess
import sys

import pytest
from django.conf import settings

from calls.demo.conversation import until_agent_has_spoken
from calls.simulator.twilio_caller import StreamEnded, TwilioCaller
from tests.monitoring.browser import launch
from tests.monitoring.test_browser_wallboard import PASSWORD, WAIT_MS, daphne_server, fake_ai  # noqa: F401
from tests.server_process import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TILES = [
    "calls",
    "live",
    "containment_rate",
    "transfer_rate",
    "avg_handle_seconds",
    "latency_p50_ms",
    "latency_p95_ms",
    "barge_in_rate",
    "failures",
    "cost",
]
TIMELINE_LABELS = [
    "끼어들기",
    "키 입력",
    "도구 호출",
    "AI 재연결",
    "감독자 조치: 코칭",
    "AI 오류",
    "통화 종료",
    "요약",
]


def seed(server) -> str:
    """Seed the server's database; returns the SID of the call with a full timeline."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.monitoring.seed_calls"],
        cwd=ROOT,
        env=server.env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()[-1]


async def stay_on_the_line(call):
    """The caller hears the greeting, says something, then waits for the server to end it."""
    try:
        await until_agent_has_spoken(call)
        await call.send_speech(1500)
        return await call.wait_until_ended(timeout=60)
    except StreamEnded:
        return await call.hang_up()


async def log_in(page, base_url):
    """Log in as the staff account through the admin login form."""
    await page.goto(f"{base_url}/dashboard/")
    await page.fill("#id_username", "watcher")
    await page.fill("#id_password", PASSWORD)
    await page.click("input[type=submit]")
    await page.wait_for_url("**/dashboard/")


async def test_the_wallboard_shows_every_kpi_the_charts_and_a_korean_timeline(
    daphne_server,  # noqa: F811
    tmp_path,
):
    from playwright.async_api import async_playwright, expect

    folder = tmp_path / "screenshots"
    folder.mkdir()
    print(f"\nscreenshots: {folder}")
    timeline_sid = await asyncio.to_thread(seed, daphne_server)
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        context = await browser.new_context(
            locale="ko-KR", viewport={"width": 1920, "height": 1080}
        )
        page = await context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        await log_in(page, daphne_server.base_url)

        caller = TwilioCaller(
            base_url=daphne_server.base_url,
            auth_token=settings.TWILIO_AUTH_TOKEN,
            account_sid=settings.TWILIO_ACCOUNT_SID,
            from_number="+821055501234",
            clock="real",
        )
        call = await caller.dial()
        conversation = asyncio.create_task(stay_on_the_line(call))
        row = page.locator(f'tr.call-row[data-call-sid="{call.call_sid}"]')
        await expect(row.locator("a.number")).to_have_text("010-****-1234", timeout=WAIT_MS)

        await expect(page.locator("#kpi-live .value")).to_have_text("1", timeout=WAIT_MS)
        for key in TILES:
            value = page.locator(f"#kpi-{key} .value")
            await expect(value).not_to_have_text("–", timeout=WAIT_MS)
            await expect(value).not_to_be_empty()
        await expect(page.locator("#kpi-containment_rate .value")).to_contain_text("%")
        await expect(page.locator("#kpi-cost .value")).to_contain_text("$")
        assert await page.locator("#hourly-chart rect.bar").count() == 24
        assert await page.locator("#hourly-chart polyline.rate-line").count() == 1
        assert await page.locator("#category-chart rect.cat-bar").count() >= 5
        await expect(page.locator("#category-chart")).to_contain_text("배송")
        await expect(page.locator("#clock")).not_to_be_empty()
        await expect(page.locator("#updated time")).not_to_be_empty()
        levels = await page.locator(".kpi[data-level]").evaluate_all(
            "tiles => tiles.map(t => t.dataset.level)"
        )
        assert {"ok", "warning", "alert"} & set(levels)
        await page.screenshot(path=folder / "wallboard-1920x1080.png")
        await page.set_viewport_size({"width": 1280, "height": 800})
        await page.screenshot(path=folder / "wallboard-1280x800.png", full_page=True)

        await page.goto(f"{daphne_server.base_url}/dashboard/calls/")
        heights = await page.locator("table.history tbody tr").evaluate_all(
            "rows => rows.map(r => r.getBoundingClientRect().height)"
        )
        assert len(heights) == 50 and max(heights) < 1.5 * min(heights)  # no row wraps at 1280 px
        await page.screenshot(path=folder / "history-1280.png", full_page=True)
        assert await page.evaluate("document.documentElement.scrollWidth") <= 1280

        await page.goto(f"{daphne_server.base_url}/dashboard/calls/{timeline_sid}/")
        kinds = page.locator("#timeline .kind")
        await expect(kinds).to_have_count(len(TIMELINE_LABELS), timeout=WAIT_MS)
        assert await kinds.all_text_contents() == TIMELINE_LABELS
        offsets = await page.locator("#timeline .offset").all_text_contents()
        assert offsets[:2] == ["0:04", "0:09"]
        barge_in = page.locator("#timeline li.kind-barge_in .details")
        await expect(barge_in).to_contain_text("들은 길이 2.3초")
        await expect(page.locator("#timeline li.kind-tool_call .details")).to_contain_text("420 ms")
        await expect(page.locator("#timeline li.kind-reconnect .details")).to_contain_text("1.8초")
        await expect(page.locator("#call-summary")).to_contain_text("배송 상태")
        await expect(page.locator("#call-duration")).to_have_text("1:00")
        await page.screenshot(path=folder / "call-timeline-1280.png", full_page=True)

        await page.set_viewport_size({"width": 1920, "height": 1080})
        await page.goto(f"{daphne_server.base_url}/dashboard/calls/{call.call_sid}/")
        await page.fill("#coach-form input[name=text]", "주문번호를 먼저 확인하세요")
        await page.click('#coach-form button[type="submit"]')
        coach = page.locator("#timeline li.kind-supervisor_coach")
        await expect(coach.locator(".kind")).to_have_text("감독자 조치: 코칭", timeout=WAIT_MS)
        await expect(coach.locator(".details")).to_contain_text("주문번호를 먼저 확인하세요")
        await page.screenshot(path=folder / "live-call-coached.png", full_page=True)
        await page.click('#actions button[data-action="hangup"]')
        await expect(page.locator("#call-state")).to_have_text("종료", timeout=WAIT_MS)
        await browser.close()

    await asyncio.wait_for(conversation, 20)
    assert (folder / "wallboard-1920x1080.png").stat().st_size > 20_000
