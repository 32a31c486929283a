"""A supervisor's client for a server running in another process: login, then the monitor socket."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.parse
import urllib.request

from websockets.asyncio.client import ClientConnection, connect


def login_cookie(base_url: str, username: str, password: str) -> str:
    """Log in through the admin login form and return the Cookie header of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login_url = f"{base_url}/admin/login/"
    page = opener.open(login_url, timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "username": username,
            "password": password,
            "next": "/dashboard/",
        }
    ).encode()
    opener.open(urllib.request.Request(login_url, form, headers={"Referer": login_url}), timeout=10)
    cookies = {cookie.name: cookie.value for cookie in jar}
    assert "sessionid" in cookies, "login failed"
    return f"sessionid={cookies['sessionid']}"


async def open_socket(base_url: str, cookie: str) -> ClientConnection:
    """The monitor socket of that server, as the logged-in supervisor."""
    ws_url = base_url.replace("http://", "ws://") + "/ws/monitor/"
    return await connect(ws_url, additional_headers={"Cookie": cookie, "Origin": base_url})


async def next_matching(socket: ClientConnection, predicate) -> dict:
    """The next message satisfying predicate (others are skipped)."""
    while True:
        message = json.loads(await socket.recv())
        if predicate(message):
            return message
