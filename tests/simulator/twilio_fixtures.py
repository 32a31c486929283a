"""A tiny app that plays the server side of a Twilio call, pinned to the protocol reference.

It verifies every webhook and WebSocket-upgrade signature with the twilio SDK's
RequestValidator, records what the simulated caller sent, and lets a test script what the
server sends back. The same fake runs behind a real aiohttp server (NetworkTransport) or as
a raw ASGI app (AsgiTransport), so each behaviour can be checked over both transports.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web
from twilio.request_validator import RequestValidator

from calls.simulator.transports import AsgiTransport
from calls.simulator.twilio_caller import TwilioCaller

AUTH_TOKEN = "12345abcdef12345abcdef12345abcd"
ACCOUNT_SID = "AC" + "2" * 32
TRANSPORTS = ["network", "asgi"]
WAIT_S = 3.0  # generous bound for awaited events; tests finish far sooner

DEFAULT_TWIML = """<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Say language="ko-KR">안녕하세요. 연결해 드리겠습니다.</Say>
  <Connect action="{public}/twilio/after-stream">
    <Stream url="{stream_url}" statusCallback="{public}/twilio/stream-status">
      <Parameter name="session" value="abc123"/>
      <Parameter name="tenant" value="clinic-7"/>
    </Stream>
  </Connect>
  <Say>Not reached: the action URL replaces this document.</Say>
</Response>"""

DEFAULT_ACTION_TWIML = "<Response><Hangup/></Response>"


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request the fake received, with its signature check."""

    method: str
    path: str
    params: dict[str, str]
    signature_valid: bool


class ServerStream:
    """The server end of one media WebSocket: what the caller sent, and a way to answer."""

    def __init__(self, signature_valid: bool):
        self.signature_valid = signature_valid
        self.messages: list[dict | str | bytes] = []
        self.caller_close_code: int | None = None
        self.closed = asyncio.Event()
        self._arrived = asyncio.Event()
        self._consumed: dict[str, int] = {}
        self._send = None
        self._close = None

    @property
    def stream_sid(self) -> str:
        """The streamSid announced in the caller's start message."""
        return next(m["streamSid"] for m in self.events("start"))

    def events(self, event: str) -> list[dict]:
        """All received JSON messages with this event name, in arrival order."""
        return [m for m in self.messages if isinstance(m, dict) and m.get("event") == event]

    def deliver(self, frame: str | bytes) -> None:
        """Record a frame from the caller (called by the transport adapter)."""
        self.messages.append(json.loads(frame) if isinstance(frame, str) else frame)
        self._arrived.set()

    def caller_closed(self, code: int | None) -> None:
        """Record that the caller closed the socket."""
        self.caller_close_code = code
        self.closed.set()
        self._arrived.set()

    async def next_event(self, event: str) -> dict:
        """Return the next not-yet-returned message with this event name, waiting for it."""
        async with asyncio.timeout(WAIT_S):
            while True:
                seen = self.events(event)
                index = self._consumed.get(event, 0)
                if index < len(seen):
                    self._consumed[event] = index + 1
                    return seen[index]
                self._arrived.clear()
                await self._arrived.wait()

    async def send_raw(self, frame: str | bytes) -> None:
        """Send a frame to the caller exactly as given."""
        await self._send(frame)

    async def send_json(self, message: dict) -> None:
        """Send a JSON text frame."""
        await self._send(json.dumps(message))

    async def send_media(self, ulaw: bytes) -> None:
        """Send outbound audio, shaped as in reference §4.1."""
        payload = base64.b64encode(ulaw).decode()
        await self.send_json(
            {"event": "media", "streamSid": self.stream_sid, "media": {"payload": payload}}
        )

    async def send_mark(self, name: str) -> None:
        """Send a mark, shaped as in reference §4.2."""
        await self.send_json(
            {"event": "mark", "streamSid": self.stream_sid, "mark": {"name": name}}
        )

    async def send_clear(self) -> None:
        """Send clear, shaped as in reference §4.3."""
        await self.send_json({"event": "clear", "streamSid": self.stream_sid})

    async def close(self, code: int = 1000) -> None:
        """Close the socket from the server side."""
        await self._close(code)


class FakeTwilioApp:
    """The app under a simulated call: TwiML per path, signature checks, recorded traffic."""

    def __init__(
        self,
        voice_twiml: str,
        action_twiml: str,
        refuse_stream: bool,
        voice_status: int,
        hang_voice_webhook: bool,
        on_stream: Callable[[ServerStream], Awaitable[None]] | None = None,
    ):
        self.on_stream = on_stream
        self._scripts: set[asyncio.Task] = set()
        self.voice_twiml = voice_twiml
        self.action_twiml = action_twiml
        self.refuse_stream = refuse_stream
        self.voice_status = voice_status
        self.hang_voice_webhook = hang_voice_webhook
        self.public_base_url = ""
        self.requests: list[RecordedRequest] = []
        self.streams: asyncio.Queue[ServerStream] = asyncio.Queue()
        self.validator = RequestValidator(AUTH_TOKEN)

    @property
    def stream_url(self) -> str:
        """The <Stream url> the fake writes into its TwiML (public host, ws/wss scheme)."""
        return "ws" + self.public_base_url.removeprefix("http") + "/twilio/media"

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """Requests received on one path."""
        return [r for r in self.requests if r.path == path]

    async def http(
        self, method: str, path: str, query: str, params: dict, signature: str
    ) -> tuple[int, str]:
        """Answer one webhook: validate the signature against the public URL, then route."""
        url = self.public_base_url + path + (f"?{query}" if query else "")
        valid = self.validator.validate(url, params, signature or "")
        if method == "GET":
            params = dict(parse_qsl(query, keep_blank_values=True))
        self.requests.append(RecordedRequest(method, path, params, valid))
        if not valid:
            return 403, "bad signature"
        if path == "/twilio/voice":
            if self.hang_voice_webhook:
                await asyncio.Event().wait()  # never answers; the caller's timeout must fire
            return self.voice_status, self._render(self.voice_twiml)
        if path == "/twilio/after-stream":
            return 200, self._render(self.action_twiml)
        if path in {"/twilio/status", "/twilio/stream-status"}:
            return 204, ""
        return 404, "not found"

    def _render(self, twiml: str) -> str:
        return twiml.replace("{public}", self.public_base_url).replace(
            "{stream_url}", self.stream_url
        )

    def stream_opened(self, stream: ServerStream) -> None:
        """Hand a new stream to the test, and start the server-side script if there is one."""
        self.streams.put_nowait(stream)
        if self.on_stream:
            task = asyncio.create_task(self._run_script(stream))
            self._scripts.add(task)
            task.add_done_callback(self._scripts.discard)

    async def _run_script(self, stream: ServerStream) -> None:
        await stream.next_event("start")  # like a real bridge, act only once the call is known
        await self.on_stream(stream)

    def open_stream(self, path: str, signature: str) -> ServerStream | None:
        """Accept an upgrade to /twilio/media whose signature covers the URL as written."""
        valid = self.validator.validate(self.stream_url, {}, signature or "")
        if self.refuse_stream or path != "/twilio/media" or not valid:
            return None
        return ServerStream(signature_valid=valid)


# -- the fake behind a real aiohttp server -------------------------------------------------


def _aiohttp_handler(fake: FakeTwilioApp):
    async def handle(request: web.Request) -> web.StreamResponse:
        signature = request.headers.get("X-Twilio-Signature", "")
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await _aiohttp_websocket(fake, request, signature)
        params = dict(await request.post()) if request.method == "POST" else {}
        status, text = await fake.http(
            request.method, request.path, request.query_string, params, signature
        )
        return web.Response(status=status, text=text or None, content_type="text/xml")

    return handle


async def _aiohttp_websocket(fake: FakeTwilioApp, request: web.Request, signature: str):
    stream = fake.open_stream(request.path, signature)
    if stream is None:
        return web.Response(status=403, text="forbidden")
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    stream._send = lambda f: ws.send_str(f) if isinstance(f, str) else ws.send_bytes(f)
    stream._close = lambda code: ws.close(code=code)
    fake.stream_opened(stream)
    async for message in ws:
        if message.type in (WSMsgType.TEXT, WSMsgType.BINARY):
            stream.deliver(message.data)
    stream.caller_closed(ws.close_code)
    return ws


@asynccontextmanager
async def _serve_aiohttp(fake: FakeTwilioApp) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", _aiohttp_handler(fake))
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


# -- the fake as a raw ASGI application ----------------------------------------------------


def asgi_app(fake: FakeTwilioApp):
    """Return a raw ASGI application serving the fake."""

    async def app(scope, receive, send):
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        signature = headers.get("x-twilio-signature", "")
        if scope["type"] == "http":
            await _asgi_http(fake, scope, receive, send, signature)
        elif scope["type"] == "websocket":
            await _asgi_websocket(fake, scope, receive, send, signature)

    return app


async def _asgi_http(fake, scope, receive, send, signature):
    body, more = b"", True
    while more:
        message = await receive()
        body, more = body + message.get("body", b""), message.get("more_body", False)
    params = dict(parse_qsl(body.decode(), keep_blank_values=True))
    status, text = await fake.http(
        scope["method"], scope["path"], scope["query_string"].decode(), params, signature
    )
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": text.encode()})


async def _asgi_websocket(fake, scope, receive, send, signature):
    assert (await receive())["type"] == "websocket.connect"
    stream = fake.open_stream(scope["path"], signature)
    if stream is None:
        await send({"type": "websocket.close", "code": 1008})
        return
    await send({"type": "websocket.accept"})

    async def send_frame(frame):
        key = "text" if isinstance(frame, str) else "bytes"
        await send({"type": "websocket.send", key: frame})

    stream._send = send_frame
    stream._close = lambda code: send({"type": "websocket.close", "code": code})
    fake.stream_opened(stream)
    while (message := await receive())["type"] == "websocket.receive":
        stream.deliver(message.get("text") or message.get("bytes"))
    stream.caller_closed(message.get("code"))


# -- what tests use --------------------------------------------------------------------------


class TwilioTestServer:
    """A running fake plus a factory for callers pointed at it."""

    def __init__(self, fake: FakeTwilioApp, base_url: str, transport_kind: str):
        self.fake = fake
        self.base_url = base_url
        self.transport_kind = transport_kind

    def caller(self, **overrides) -> TwilioCaller:
        """Return a TwilioCaller configured for this server (virtual clock unless overridden)."""
        options = {
            "base_url": self.base_url,
            "public_base_url": self.fake.public_base_url,
            "auth_token": AUTH_TOKEN,
            "account_sid": ACCOUNT_SID,
            "status_callback_path": "/twilio/status",
        }
        if self.transport_kind == "asgi":
            options["transport"] = AsgiTransport(asgi_app(self.fake))
        return TwilioCaller(**{**options, **overrides})

    async def next_stream(self) -> ServerStream:
        """Wait for the caller to open the next media stream and send its start message."""
        async with asyncio.timeout(WAIT_S):
            stream = await self.fake.streams.get()
        await stream.next_event("start")
        return stream


@asynccontextmanager
async def twilio_server(
    transport: str,
    *,
    voice_twiml: str = DEFAULT_TWIML,
    action_twiml: str = DEFAULT_ACTION_TWIML,
    public_base_url: str | None = None,
    refuse_stream: bool = False,
    voice_status: int = 200,
    hang_voice_webhook: bool = False,
    on_stream: Callable[[ServerStream], Awaitable[None]] | None = None,
) -> AsyncIterator[TwilioTestServer]:
    """Run the fake over "network" (aiohttp on 127.0.0.1) or "asgi" (in-process)."""
    fake = FakeTwilioApp(
        voice_twiml, action_twiml, refuse_stream, voice_status, hang_voice_webhook, on_stream
    )
    if transport == "asgi":
        fake.public_base_url = public_base_url or "http://testserver"
        yield TwilioTestServer(fake, "http://testserver", transport)
        return
    async with _serve_aiohttp(fake) as base_url:
        fake.public_base_url = public_base_url or base_url
        yield TwilioTestServer(fake, base_url, transport)


async def dial_and_stream(server: TwilioTestServer, **overrides):
    """Dial with a fresh caller and return (call, server-side stream)."""
    call = await server.caller(**overrides).dial()
    return call, await server.next_stream()


@contextmanager
def twilio_server_in_thread(**options) -> Iterator[TwilioTestServer]:
    """Run the networked fake on its own event loop in a thread, for code that calls asyncio.run."""
    ready, stop, box = threading.Event(), None, {}

    async def serve() -> None:
        nonlocal stop
        stop = asyncio.Event()
        async with twilio_server("network", **options) as server:
            box["server"], box["loop"] = server, asyncio.get_running_loop()
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(WAIT_S), "fake Twilio server did not start"
    try:
        yield box["server"]
    finally:
        box["loop"].call_soon_threadsafe(stop.set)
        thread.join(WAIT_S)
