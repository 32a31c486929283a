"""Headless Chromium for browser tests: Debian's /usr/bin/chromium driven by Playwright.

CI sets ARS_REQUIRE_BROWSER=1, so a missing browser or Playwright fails there; elsewhere the
browser tests are skipped with the reason. Browsers are never downloaded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.server_process import ROOT, start_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_browser() -> None:
    """Skip (or fail under ARS_REQUIRE_BROWSER=1) when Chromium or Playwright is missing."""
    problems = []
    if not (CHROMIUM.exists() or shutil.which("chromium")):
        problems.append(f"{CHROMIUM} not found (apt-get install -y chromium fonts-nanum)")
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        problems.append("the playwright package is not installed (requirements-dev.txt)")
    if not problems:
        return
    if os.environ.get("ARS_REQUIRE_BROWSER") == "1":
        pytest.fail("browser test required but: " + "; ".join(problems))
    pytest.skip("; ".join(problems))


async def launch(playwright):
    """Start headless Chromium with the flags that work in containers and CI."""
    return await playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


def server_with_staff(tmp_path, realtime_url: str, username: str, password: str, *flags: str):
    """The real server in a subprocess (own database), and a staff account made by the command.

    Blocking: call it through asyncio.to_thread. `flags` go to `staff_account` (e.g. --voice).
    """
    server = start_server(tmp_path, OPENAI_REALTIME_URL=realtime_url)
    subprocess.run(
        [sys.executable, "manage.py", "staff_account", username, "--password", password, *flags],
        cwd=ROOT,
        env=server.env,
        check=True,
        capture_output=True,
    )
    return server
