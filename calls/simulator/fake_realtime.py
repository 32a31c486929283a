"""A protocol-faithful fake of the OpenAI Realtime API (GA, WebSocket) for tests and demos.

It follows /work/shared/protocols/openai-realtime.md and the `openai` SDK 3.63 types (§11):
strict session.update (models and model-dependent fields as the SDK allows), energy VAD on the
audio clock, idle timeouts, §4.1 response streams with a test tone, barge-in, truncation (also
mid-stream), out-of-band responses over their own `input`, function calls and faults on demand.
Behaviour the reference marks UNCONFIRMED is a `RealtimeOptions` knob.

The script (`RealtimeScript`, or JSON for `manage.py fake_realtime --script`)::

    {
      "caller_lines": ["주문번호는 1234번이에요.", ...],
      "agent_turns": [
        {"text": "조회해 보겠습니다.",
         "tool_call": {"name": "lookup_order",
                       "arguments": {"source": "phone"},
                       "arguments_from_caller": {"order_id": "(\\\\d+)번"}}},
        {"text": "주문 {order_id}번은 {status}입니다. 도착은 {delivery.eta}."}
      ],
      "idle_turns": [{"text": "여보세요, 아직 통화 중이신가요?"}],
      "out_of_band_turns": [{"text": "요약: 배송 문의"}]
    }

- `caller_lines`: the transcript of each *spoken* user turn, in order, cycled. A turn is spoken
  when VAD ended it or a manual commit held a voiced run; committed silence (a manual commit or
  an idle timeout) transcribes as "" and uses no line.
- `agent_turns`: one per in-band response, cycled. `tool_call` runs after the text, only if the
  session declares that function and `tool_choice` allows it. `arguments_from_caller` maps an
  argument to a regex searched in the caller's latest words in the response's context (typed
  `input_text`, or the line the last audio turn spoke); group 1 (else the whole match) is the
  value, and a non-matching argument is left out. `{field}` / `{a.b}` in `text` is filled from
  the JSON object of the latest `function_call_output` in context; unfilled ones stay verbatim.
- `idle_turns`: what responses to `input_audio_buffer.timeout_triggered` say (default: one
  Korean "are you still there?"); an empty list makes them take the next agent turn instead.
- `out_of_band_turns`: what `conversation: "none"` responses that read the conversation (no
  `input`) say, cycled; when empty (the default), and always for one given its own `input`,
  they quote the texts of the items they read, so a test can see their context.

Idle and out-of-band responses never shift the `agent_turns` sequence. The first agent turn is
the opening (the greeting): when the client put an assistant message into the conversation before
the first response (a greeting it played from its own cache), that turn counts as said.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import replace
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from calls.simulator import realtime_errors as errors
from calls.simulator import realtime_models as models
from calls.simulator.realtime_connection import RealtimeOptions
from calls.simulator.realtime_ids import new_id
from calls.simulator.realtime_response import ResponseTiming
from calls.simulator.realtime_script import AgentTurn, RealtimeScript, ToolCall
from calls.simulator.realtime_session import RealtimeSession

__all__ = [
    "AgentTurn",
    "FakeRealtimeServer",
    "RealtimeOptions",
    "RealtimeScript",
    "RealtimeSession",
    "ToolCall",
]

logger = logging.getLogger(__name__)
REALTIME_PATH = "/v1/realtime"
BETA_CLOSE_CODE = 4000
# Appends may carry up to 15 MiB of audio (§8); base64 makes that about 20 MiB of JSON.
MAX_FRAME_BYTES = 32 * 1024 * 1024


class FakeRealtimeServer:
    """Serves fake Realtime sessions on `ws://host:port/v1/realtime`; use as `async with`."""

    def __init__(
        self,
        api_key: str = "sk-test",
        script: RealtimeScript | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        chunk_ms: int = 100,
        first_audio_delay_ms: int = 0,
        speed: float | None = None,
        ms_per_char: int = 70,
        session_max_seconds: float = 3600,
        transcription_delay_ms: int = 0,
        options: RealtimeOptions | None = None,
    ) -> None:
        self.api_key = api_key
        self.script = script or RealtimeScript()
        self.host = host
        self.port = port
        timing = ResponseTiming(chunk_ms, first_audio_delay_ms, speed, ms_per_char)
        # A copy, so one RealtimeOptions can serve several servers with different pacing.
        self.options = replace(
            options or RealtimeOptions(),
            timing=timing,
            session_max_seconds=session_max_seconds,
            transcription_delay_ms=transcription_delay_ms,
        )
        # Set to (error type, code[, message]) to make every following session.update fail.
        self.reject_session_updates: tuple | None = None
        self.sessions: list[RealtimeSession] = []
        self._accepted: asyncio.Queue[RealtimeSession] = asyncio.Queue()
        self._server: Server | None = None

    @property
    def url(self) -> str:
        """Return the WebSocket URL clients connect to (add `?model=...`)."""
        return f"ws://{self.host}:{self.port}{REALTIME_PATH}"

    async def start(self) -> None:
        """Bind and start accepting connections (port 0 picks a free port)."""
        self._server = await serve(
            self._handle,
            self.host,
            self.port,
            process_request=self._check_request,
            max_size=MAX_FRAME_BYTES,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> FakeRealtimeServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def serve_forever(self) -> None:
        """Run until cancelled (the management command's main loop)."""
        await self.start()
        try:
            await asyncio.Future()
        finally:
            await self.stop()

    # Test helpers take a timeout so a broken test fails fast instead of hanging.
    async def next_session(self, timeout: float = 5.0) -> RealtimeSession:  # noqa: ASYNC109
        """Wait for the next accepted connection and return its session."""
        async with asyncio.timeout(timeout):
            return await self._accepted.get()

    def _check_request(self, connection: ServerConnection, request: Request) -> Response | None:
        """Refuse wrong paths (404), a missing or wrong bearer key (401) and unknown models.

        An unknown `?model=` fails the upgrade with 404 `model_not_found`, the REST API's shape
        for the same mistake; UNCONFIRMED for the Realtime handshake.
        """
        url = urlsplit(request.path)
        if url.path != REALTIME_PATH:
            return connection.respond(HTTPStatus.NOT_FOUND, "Not Found\n")
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _json_response(
                HTTPStatus.UNAUTHORIZED,
                {
                    "error": {
                        "message": "Incorrect API key provided.",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": "invalid_api_key",
                    }
                },
            )
        model = parse_qs(url.query).get("model", [self.options.default_model])[0]
        if model not in models.REALTIME_MODELS:
            error = models.unknown_model(model)
            body = {"message": error.message, "type": error.type, "param": None, "code": error.code}
            return _json_response(HTTPStatus.NOT_FOUND, {"error": body})
        return None

    async def _handle(self, websocket: ServerConnection) -> None:
        """Run one accepted connection to its end."""
        peer = websocket.remote_address
        if websocket.request.headers.get("OpenAI-Beta", "").strip() == "realtime=v1":
            logger.info("fake realtime: refused beta client %s (close 4000)", peer)
            await _refuse_beta(websocket)
            return
        query = parse_qs(urlsplit(websocket.request.path).query)
        model = query.get("model", [self.options.default_model])[0]
        session = RealtimeSession(websocket, self.options, self.script, model, controls=self)
        self.sessions.append(session)
        self._accepted.put_nowait(session)
        logger.info("fake realtime: %s connected from %s (model %s)", session.id, peer, model)
        await session.serve()
        logger.info(
            "fake realtime: %s closed (code %s) after %d client / %d server events",
            session.id,
            websocket.close_code,
            len(session.received),
            len(session.sent),
        )


async def _refuse_beta(websocket: ServerConnection) -> None:
    """Send `beta_api_shape_disabled` and close with 4000, as the live GA service does (§1.2)."""
    error = errors.beta_shape_disabled()
    event = {"type": "error", "event_id": new_id("event"), "error": error.payload(None)}
    try:
        await websocket.send(json.dumps(event))
        await websocket.close(BETA_CLOSE_CODE, error.message[:120])
    except ConnectionClosed:
        pass


def _json_response(status: HTTPStatus, body: dict) -> Response:
    """Build a plain HTTP response with a JSON body (no WebSocket upgrade)."""
    payload = json.dumps(body).encode()
    headers = Headers([("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return Response(status.value, status.phrase, headers, payload)
