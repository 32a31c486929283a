"""The official `openai` SDK drives a short call against the fake and accepts every event it sends.

The SDK itself parses events without checking them, so each raw event is also validated against
the SDK's `RealtimeServerEvent` union with pydantic, and any field the SDK does not declare fails.
"""

import base64
import json

import pydantic
import pytest
from openai import AsyncOpenAI
from openai.types.realtime import RealtimeServerEvent

from calls.simulator.fake_realtime import AgentTurn, FakeRealtimeServer, RealtimeScript, ToolCall

from .conftest import API_KEY, silence_ulaw, speech_ulaw

SERVER_EVENTS = pydantic.TypeAdapter(RealtimeServerEvent)
PCMU = {"type": "audio/pcmu"}
SESSION = {
    "type": "realtime",
    "instructions": "고객센터 상담원입니다.",
    "reasoning": {"effort": "low"},
    "truncation": {"type": "retention_ratio", "retention_ratio": 0.8},
    "tools": [
        {
            "type": "function",
            "name": "lookup_order",
            "description": "주문 조회",
            "parameters": {"type": "object", "properties": {"order": {"type": "string"}}},
        }
    ],
    "audio": {
        "input": {
            "format": PCMU,
            "noise_reduction": {"type": "near_field"},
            "transcription": {
                "model": "gpt-live-transcribe",
                "languages": ["ko"],
                "keywords": ["주문번호", "강남점"],
            },
            "turn_detection": {"type": "server_vad", "idle_timeout_ms": 5000},
        },
        "output": {"format": PCMU, "voice": "marin"},
    },
}
IDLE_MS = 5000
# The live service's session object (SPEC `session.created` example, §2.3) carries these, though
# the SDK's session request type does not declare them.
REAL_EXTRAS = {"session.id", "session.object", "session.expires_at"}


def undeclared_fields(model: object, path: str = "") -> list[str]:
    """Return the dotted names of fields the SDK models hold as undeclared extras."""
    found = []
    if isinstance(model, pydantic.BaseModel):
        found += [
            f"{path}.{name}".lstrip(".")
            for name in (model.model_extra or {})
            if f"{path}.{name}".lstrip(".") not in REAL_EXTRAS
        ]
        for name in type(model).model_fields:
            found += undeclared_fields(getattr(model, name), f"{path}.{name}")
    elif isinstance(model, list):
        for index, entry in enumerate(model):
            found += undeclared_fields(entry, f"{path}[{index}]")
    return found


class SdkCall:
    """Reads raw events from an SDK connection and checks each against the SDK types."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.seen: list[str] = []

    async def until(self, *kinds: str) -> dict[str, dict]:
        """Read until every kind in `kinds` arrived; return the last event of each kind."""
        waiting, last = set(kinds), {}
        while waiting:
            raw = await self.connection.recv_bytes()
            event = json.loads(raw)
            model = SERVER_EVENTS.validate_json(raw)
            assert self.connection.parse_event(raw).type == event["type"]
            assert undeclared_fields(model) == [], event["type"]
            self.seen.append(event["type"])
            last[event["type"]] = event
            waiting.discard(event["type"])
        return last

    async def say(self, audio: bytes) -> None:
        """Append μ-law audio in 20 ms frames through the SDK."""
        for start in range(0, len(audio), 160):
            chunk = base64.b64encode(audio[start : start + 160]).decode()
            await self.connection.input_audio_buffer.append(audio=chunk)


def spoken_ms(done: dict) -> int:
    """Return how long the agent's message in a response.done lasts, from its transcript."""
    return len(done["response"]["output"][0]["content"][0]["transcript"]) * 70


@pytest.fixture
async def fake():
    """A fake whose script ends its second turn with a declared tool call."""
    script = RealtimeScript(
        caller_lines=["주문번호는 1234번이에요."],
        agent_turns=[
            AgentTurn("안녕하세요, 무엇을 도와드릴까요?"),
            AgentTurn("조회해 보겠습니다.", ToolCall("lookup_order", {"order": "1234"})),
            AgentTurn("내일 도착합니다."),
        ],
    )
    async with FakeRealtimeServer(api_key=API_KEY, script=script) as server:
        yield server


async def test_the_openai_sdk_accepts_every_event_of_a_short_call(fake):
    client = AsyncOpenAI(api_key=API_KEY, base_url=f"http://{fake.host}:{fake.port}/v1")
    async with client.realtime.connect(model="gpt-realtime-2.1") as connection:
        call = SdkCall(connection)
        await call.until("session.created")
        await connection.session.update(session=SESSION)
        await call.until("session.updated")

        await connection.response.create()
        greeting = (await call.until("response.done"))["response.done"]
        greeting_id = greeting["response"]["output"][0]["id"]

        await call.say(speech_ulaw(600) + silence_ulaw(700))
        turn = await call.until(
            "conversation.item.input_audio_transcription.completed",
            "response.function_call_arguments.done",
            "response.done",
        )
        call_id = turn["response.function_call_arguments.done"]["call_id"]
        await connection.conversation.item.create(
            item={"type": "function_call_output", "call_id": call_id, "output": '{"eta": "내일"}'}
        )
        await connection.response.create()
        answered = (await call.until("response.done"))["response.done"]

        await connection.conversation.item.truncate(
            item_id=greeting_id, content_index=0, audio_end_ms=100
        )
        await connection.conversation.item.retrieve(item_id=greeting_id)
        await call.until("conversation.item.truncated", "conversation.item.retrieved")

        await connection.response.create(
            response={
                "conversation": "none",
                "output_modalities": ["text"],
                "input": [{"type": "item_reference", "id": greeting_id}],
                "metadata": {"purpose": "summary"},
            }
        )
        await call.until("response.output_text.done", "response.done")

        await call.say(silence_ulaw(spoken_ms(answered) + IDLE_MS + 100))
        await call.until("input_audio_buffer.timeout_triggered", "response.done")

        await connection.input_audio_buffer.commit()  # nothing buffered since the timeout
        await connection.conversation.item.delete(item_id=greeting_id)
        await connection.input_audio_buffer.clear()
        await call.until("error", "conversation.item.deleted", "input_audio_buffer.cleared")

    assert {
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
        "conversation.item.input_audio_transcription.delta",
        "response.created",
        "rate_limits.updated",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_audio.delta",
        "response.output_audio_transcript.delta",
        "response.output_audio.done",
        "response.output_audio_transcript.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.function_call_arguments.delta",
        "response.output_text.delta",
    } <= set(call.seen)
