"""I/O for the simulated caller: webhooks and the media WebSocket, networked or in-process."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode, urlsplit

import aiohttp
from channels.testing import HttpCommunicator, WebsocketCommunicator
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

HTTP_TIMEOUT_S = 15.0  # Twilio gives up on a webhook response after 15 s (reference §1.1)
CONNECT_TIMEOUT_S = 10.0
WS_MAX_MESSAGE = 16 * 1024 * 1024  # Twilio documents no limit; large media chunks are legal


@dataclass(frozen=True)
class HttpReply:
    """Status and body of one webhook response."""

    status: int
    text: str
    location: str | None = None


class HandshakeRefused(Exception):
    """The WebSocket upgrade did not get a 101: an HTTP status (or None when nothing answered)."""

    def __init__(self, status: int | None, detail: str = ""):
        what = f"refused with HTTP {status}" if status else "failed"
        super().__init__(f"WebSocket upgrade {what} {detail}".strip())
        self.status = status


class WebSocketClosed(Exception):
    """A send on a media WebSocket that is already closed."""


class MediaSocket(Protocol):
    """One open media WebSocket, as seen from Twilio's side."""

    close_code: int | None

    async def send_text(self, text: str) -> None:
        """Send one text frame; raise WebSocketClosed if the socket is gone."""

    async def receive(self) -> str | bytes | None:
        """Return the next frame from the server, or None once the server closed."""

    async def close(self, code: int = 1000) -> None:
        """Close the socket from Twilio's side."""


class Transport(Protocol):
    """The two kinds of I/O a Twilio call makes."""

    async def post_form(
        self, url: str, params: dict[str, str], headers: dict[str, str]
    ) -> HttpReply:
        """POST form-encoded params to url."""

    async def get(self, url: str, headers: dict[str, str]) -> HttpReply:
        """GET url (parameters already in its query string)."""

    async def open_websocket(self, url: str, headers: dict[str, str]) -> MediaSocket:
        """Open the media WebSocket or raise HandshakeRefused."""


class NetworkTransport:
    """Real sockets: aiohttp for webhooks, the websockets client for the media stream."""

    def __init__(self, timeout_s: float = HTTP_TIMEOUT_S):
        self.timeout = aiohttp.ClientTimeout(total=timeout_s, connect=CONNECT_TIMEOUT_S)

    async def post_form(
        self, url: str, params: dict[str, str], headers: dict[str, str]
    ) -> HttpReply:
        """POST form-encoded params to url."""
        return await self._request("POST", url, headers, data=params)

    async def get(self, url: str, headers: dict[str, str]) -> HttpReply:
        """GET url (parameters already in its query string)."""
        return await self._request("GET", url, headers)

    async def _request(self, method: str, url: str, headers: dict, data=None) -> HttpReply:
        # Redirects are reported, not followed: a redirected webhook would be signed for the
        # wrong URL (Django's APPEND_SLASH is the usual culprit, reference §2.3).
        async with (
            aiohttp.ClientSession(timeout=self.timeout) as session,
            session.request(method, url, data=data, headers=headers, allow_redirects=False) as r,
        ):
            return HttpReply(r.status, await r.text(), r.headers.get("Location"))

    async def open_websocket(self, url: str, headers: dict[str, str]) -> MediaSocket:
        """Open the media WebSocket or raise HandshakeRefused."""
        try:
            # Twilio does not negotiate permessage-deflate (reference §4.4); no proxies locally.
            ws = await ws_connect(
                url,
                additional_headers=headers,
                compression=None,
                proxy=None,
                open_timeout=CONNECT_TIMEOUT_S,
                max_size=WS_MAX_MESSAGE,
            )
        except InvalidStatus as exc:
            raise HandshakeRefused(exc.response.status_code) from exc
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            raise HandshakeRefused(None, f"({exc})") from exc
        return _NetworkSocket(ws)


class _NetworkSocket:
    """A websockets client connection behind the MediaSocket interface."""

    def __init__(self, ws):
        self._ws = ws
        self.close_code: int | None = None

    async def send_text(self, text: str) -> None:
        try:
            await self._ws.send(text)
        except ConnectionClosed as exc:
            raise WebSocketClosed(str(exc)) from exc

    async def receive(self) -> str | bytes | None:
        try:
            return await self._ws.recv()
        except ConnectionClosed:
            self.close_code = self._ws.close_code
            return None

    async def close(self, code: int = 1000) -> None:
        await self._ws.close(code)
        self.close_code = self.close_code or code


class AsgiTransport:
    """In-process transport that drives an ASGI application directly, with no server or sockets."""

    def __init__(self, application, timeout_s: float = HTTP_TIMEOUT_S):
        self.application = application
        self.timeout_s = timeout_s

    async def post_form(
        self, url: str, params: dict[str, str], headers: dict[str, str]
    ) -> HttpReply:
        """POST form-encoded params to the application."""
        body = urlencode(params).encode("utf-8")
        extra = {"content-type": "application/x-www-form-urlencoded", **headers}
        return await self._request("POST", url, extra, body)

    async def get(self, url: str, headers: dict[str, str]) -> HttpReply:
        """GET url from the application."""
        return await self._request("GET", url, headers, b"")

    async def _request(self, method: str, url: str, headers: dict, body: bytes) -> HttpReply:
        communicator = HttpCommunicator(
            self.application, method, _path(url), body=body, headers=_asgi_headers(url, headers)
        )
        communicator.scope.update(_origin_scope(url, secure_scheme="https"))
        response = await communicator.get_response(timeout=self.timeout_s)
        reply_headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in response["headers"]
        }
        text = response["body"].decode("utf-8", errors="replace")
        return HttpReply(response["status"], text, reply_headers.get("location"))

    async def open_websocket(self, url: str, headers: dict[str, str]) -> MediaSocket:
        """Connect to the application's WebSocket route or raise HandshakeRefused."""
        communicator = WebsocketCommunicator(
            self.application, _path(url), headers=_asgi_headers(url, headers)
        )
        communicator.scope.update(_origin_scope(url, secure_scheme="wss"))
        accepted, code = await communicator.connect(timeout=CONNECT_TIMEOUT_S)
        if not accepted:
            # A real ASGI server (Daphne, uvicorn) turns close-before-accept into HTTP 403.
            await communicator.wait()
            raise HandshakeRefused(403, f"(application closed with code {code})")
        return _AsgiSocket(communicator)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _asgi_headers(url: str, headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    merged = {"host": urlsplit(url).netloc, **{k.lower(): v for k, v in headers.items()}}
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in merged.items()]


def _origin_scope(url: str, secure_scheme: str) -> dict:
    # The communicators leave scheme/server/client out; a real ASGI server fills them in.
    parts = urlsplit(url)
    secure = parts.scheme in {"https", "wss"}
    port = parts.port or (443 if secure else 80)
    scheme = secure_scheme if secure else secure_scheme.removesuffix("s")
    return {"scheme": scheme, "server": (parts.hostname, port), "client": ("127.0.0.1", 40000)}


class _AsgiSocket:
    """A WebsocketCommunicator behind the MediaSocket interface."""

    def __init__(self, communicator: WebsocketCommunicator):
        self._comm = communicator
        self.close_code: int | None = None

    async def send_text(self, text: str) -> None:
        if self.close_code is not None or self._comm.future.done():
            raise WebSocketClosed("the application closed the WebSocket")
        await self._comm.send_input({"type": "websocket.receive", "text": text})

    async def receive(self) -> str | bytes | None:
        if self.close_code is not None:
            return None
        # Read the output queue directly: receive_output() cancels the app on timeout.
        getter = asyncio.ensure_future(self._comm.output_queue.get())
        await asyncio.wait({getter, self._comm.future}, return_when=asyncio.FIRST_COMPLETED)
        if not getter.done():
            getter.cancel()
            future = self._comm.future
            self.close_code = 1011 if future.cancelled() or future.exception() else 1006
            return None
        message = getter.result()
        if message["type"] == "websocket.send":
            return message["text"] if message.get("text") is not None else message.get("bytes")
        self.close_code = message.get("code", 1000)
        # ASGI: after the app's close the server reports the disconnect back to it.
        if not self._comm.future.done():
            await self._comm.send_input({"type": "websocket.disconnect", "code": self.close_code})
        return None

    async def close(self, code: int = 1000) -> None:
        if self.close_code is None:
            self.close_code = code
            await self._comm.send_input({"type": "websocket.disconnect", "code": code})
        await self._comm.wait(timeout=CONNECT_TIMEOUT_S)
