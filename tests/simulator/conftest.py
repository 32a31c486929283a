"""Fixtures for the fake OpenAI Realtime server tests: a running server and a tiny GA client."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable

import numpy as np
import pytest
from websockets.asyncio.client import ClientConnection, connect

from calls.live.audio import ulaw_encode
from calls.simulator.fake_realtime import AgentTurn, FakeRealtimeServer, RealtimeScript, ToolCall

API_KEY = "sk-test"
GREETING = "안녕하세요, 고객센터입니다. 무엇을 도와드릴까요?"
PCMU_SESSION = {
    "type": "realtime",
    "audio": {
        "input": {"format": {"type": "audio/pcmu"}},
        "output": {"format": {"type": "audio/pcmu"}},
    },
}


def speech_ulaw(ms: int, dbfs: float = -20.0, hz: float = 300.0) -> bytes:
    """Return μ-law 8 kHz audio of a voice-band tone at `dbfs` (loud enough to count as speech)."""
    times = np.arange(8 * ms) / 8000
    amplitude = 32768 * 10 ** (dbfs / 20) * np.sqrt(2)  # RMS of a sine is peak / √2
    return ulaw_encode(np.round(amplitude * np.sin(2 * np.pi * hz * times)).astype(np.int16))


def silence_ulaw(ms: int) -> bytes:
    """Return μ-law 8 kHz digital silence."""
    return ulaw_encode(np.zeros(8 * ms, dtype=np.int16))


class RealtimeClient:
    """A minimal GA client: sends JSON events, reads server events in order."""

    def __init__(self, websocket: ClientConnection) -> None:
        self.websocket = websocket
        self.events: list[dict] = []

    async def send(self, event: dict) -> None:
        """Send one client event."""
        await self.websocket.send(json.dumps(event))

    async def append(self, audio: bytes, frame_ms: int = 20, bytes_per_ms: int = 8) -> None:
        """Append audio in Twilio-sized frames (20 ms of μ-law by default)."""
        step = frame_ms * bytes_per_ms
        for start in range(0, len(audio), step):
            chunk = base64.b64encode(audio[start : start + step]).decode()
            await self.send({"type": "input_audio_buffer.append", "audio": chunk})

    async def receive(self) -> dict:
        """Return the next server event."""
        async with asyncio.timeout(5):
            event = json.loads(await self.websocket.recv())
        self.events.append(event)
        return event

    async def next_of(self, match: str | Callable[[dict], bool]) -> dict:
        """Read events until one has the given type (or satisfies a predicate); return it."""
        predicate = (lambda event: event["type"] == match) if isinstance(match, str) else match
        while True:
            event = await self.receive()
            if predicate(event):
                return event

    async def collect_until(self, event_type: str) -> list[dict]:
        """Read events up to and including the first of `event_type`; return them all."""
        collected = []
        while True:
            event = await self.receive()
            collected.append(event)
            if event["type"] == event_type:
                return collected

    async def update_session(self, session: dict) -> dict:
        """Send session.update and return the reply (session.updated or error)."""
        await self.send({"type": "session.update", "session": session})
        return await self.next_of(lambda e: e["type"] in ("session.updated", "error"))

    async def close_code(self) -> int | None:
        """Wait for the server to close the socket and return the close code."""
        async with asyncio.timeout(5):
            await self.websocket.wait_closed()
        return self.websocket.close_code


def default_script() -> RealtimeScript:
    """Return the script the tests speak: a greeting, an answer and a hang-up tool call."""
    return RealtimeScript(
        caller_lines=["네, 주문한 상품 배송 상태를 알고 싶어요.", "아니요, 괜찮아요."],
        agent_turns=[
            AgentTurn(GREETING),
            AgentTurn("배송은 내일 도착 예정입니다."),
            AgentTurn(
                "네, 통화를 종료하겠습니다. 감사합니다.",
                tool_call=ToolCall("end_call", {"reason": "caller_done"}),
            ),
        ],
    )


@pytest.fixture
async def server() -> AsyncIterator[FakeRealtimeServer]:
    """A fake server streaming as fast as possible."""
    async with FakeRealtimeServer(api_key=API_KEY, script=default_script()) as fake:
        yield fake


@pytest.fixture
def connect_client(server: FakeRealtimeServer):
    """Return an opener for authenticated GA clients of the `server` fixture."""
    opened: list[ClientConnection] = []

    async def open_client(
        fake: FakeRealtimeServer | None = None,
        headers: dict | None = None,
        model: str = "gpt-realtime",
    ) -> RealtimeClient:
        target = fake or server
        all_headers = {"Authorization": f"Bearer {API_KEY}", **(headers or {})}
        websocket = await connect(f"{target.url}?model={model}", additional_headers=all_headers)
        opened.append(websocket)
        return RealtimeClient(websocket)

    yield open_client
    for websocket in opened:
        websocket.transport.abort()


@pytest.fixture
async def client(connect_client) -> RealtimeClient:
    """A connected client that has already read `session.created`."""
    opened = await connect_client()
    await opened.next_of("session.created")
    return opened


@pytest.fixture
async def pcmu_client(client: RealtimeClient) -> RealtimeClient:
    """A connected client whose session uses μ-law in both directions (as a Twilio bridge does)."""
    reply = await client.update_session(PCMU_SESSION)
    assert reply["type"] == "session.updated"
    return client
