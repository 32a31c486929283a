"""Scripts can take tool arguments from the caller's words and quote the tool's output."""

import json

import pytest

from calls.simulator.fake_realtime import FakeRealtimeServer, RealtimeScript

from .conftest import API_KEY, PCMU_SESSION, silence_ulaw, speech_ulaw

SCRIPT = {
    "caller_lines": ["주문번호는 1234번이에요."],
    "agent_turns": [
        {
            "text": "조회해 보겠습니다.",
            "tool_call": {
                "name": "lookup_order",
                "arguments": {"source": "phone"},
                "arguments_from_caller": {"order_id": r"(\d+)번", "courier": r"택배사 (\w+)"},
            },
        },
        {"text": "주문 {order_id}번은 {status}이며 {delivery.eta} 도착 예정입니다. {unknown}"},
    ],
}
LOOKUP = {"type": "function", "name": "lookup_order", "parameters": {"type": "object"}}
OUTPUT = {"order_id": "1234", "status": "배송 중", "delivery": {"eta": "내일"}}


@pytest.fixture
async def scripted(connect_client, tmp_path):
    """A μ-law client of a fake loaded from the JSON script file, with the tool declared."""
    path = tmp_path / "script.json"
    path.write_text(json.dumps(SCRIPT, ensure_ascii=False), encoding="utf-8")
    script = RealtimeScript.from_json_file(path)
    async with FakeRealtimeServer(api_key=API_KEY, script=script) as fake:
        client = await connect_client(fake)
        await client.next_of("session.created")
        await client.update_session({**PCMU_SESSION, "tools": [LOOKUP]})
        yield client


async def called_arguments(client) -> tuple[str, dict]:
    """Wait for the scripted function call; return its call_id and parsed arguments."""
    done = await client.next_of("response.function_call_arguments.done")
    await client.next_of("response.done")
    return done["call_id"], json.loads(done["arguments"])


async def test_tool_arguments_are_captured_from_what_the_caller_said(scripted):
    await scripted.append(speech_ulaw(600) + silence_ulaw(700))
    _, arguments = await called_arguments(scripted)
    assert arguments == {"source": "phone", "order_id": "1234"}


async def test_typed_caller_text_feeds_the_capture_too(scripted):
    said = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "777번"}]}
    await scripted.send({"type": "conversation.item.create", "item": said})
    await scripted.send({"type": "response.create"})
    _, arguments = await called_arguments(scripted)
    assert arguments["order_id"] == "777"


async def test_the_next_line_quotes_the_function_output(scripted):
    await scripted.append(speech_ulaw(600) + silence_ulaw(700))
    call_id, _ = await called_arguments(scripted)
    output = json.dumps(OUTPUT, ensure_ascii=False)
    item = {"type": "function_call_output", "call_id": call_id, "output": output}
    await scripted.send({"type": "conversation.item.create", "item": item})
    await scripted.send({"type": "response.create"})
    done = (await scripted.next_of("response.done"))["response"]
    spoken = done["output"][0]["content"][0]["transcript"]
    assert spoken == "주문 1234번은 배송 중이며 내일 도착 예정입니다. {unknown}"


def test_a_placeholder_without_a_function_output_stays_as_written():
    turn = RealtimeScript.from_dict(SCRIPT).agent_turns[1]
    assert turn.realised("", None).text == turn.text
    assert turn.realised("", "not json").text == turn.text
