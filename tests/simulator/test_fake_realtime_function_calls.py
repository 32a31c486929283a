"""Scripted tool calls follow the §6 function-call flow, and only for declared tools."""

import json

import pytest

from calls.simulator.fake_realtime import AgentTurn, FakeRealtimeServer, RealtimeScript, ToolCall

from .conftest import API_KEY

LOOKUP = {
    "type": "function",
    "name": "lookup_order",
    "description": "주문 상태 조회",
    "parameters": {"type": "object", "properties": {"id": {"type": "string"}}},
}
CALL_TYPES = [
    "response.output_item.added",
    "conversation.item.added",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "response.output_item.done",
    "conversation.item.done",
]


def script(text: str) -> RealtimeScript:
    """Return a script whose every response says `text` and then looks up order 1234."""
    return RealtimeScript(
        caller_lines=["주문번호는 1234번이에요."],
        agent_turns=[AgentTurn(text, tool_call=ToolCall("lookup_order", {"id": "1234"}))],
    )


async def open_client(connect_client, fake, tools):
    """Connect and declare `tools` in the session."""
    client = await connect_client(fake)
    await client.next_of("session.created")
    assert (await client.update_session({"type": "realtime", "tools": tools}))["type"] == (
        "session.updated"
    )
    return client


def call_events(events: list[dict]) -> list[dict]:
    """Return the events that belong to the function_call output item."""
    call_ids = {
        e["item"]["id"]
        for e in events
        if e["type"] == "response.output_item.added" and e["item"]["type"] == "function_call"
    }
    return [
        e for e in events if e.get("item_id") in call_ids or e.get("item", {}).get("id") in call_ids
    ]


async def test_a_declared_tool_is_called_after_the_spoken_message(connect_client):
    async with FakeRealtimeServer(api_key=API_KEY, script=script("잠시만요.")) as fake:
        client = await open_client(connect_client, fake, [LOOKUP])
        await client.send({"type": "response.create"})
        events = await client.collect_until("response.done")
    flow = call_events(events)
    assert [e["type"] for e in flow if e["type"] != "response.function_call_arguments.delta"] == [
        t for t in CALL_TYPES if t != "response.function_call_arguments.delta"
    ]
    added, done = (
        flow[0],
        next(e for e in flow if e["type"] == "response.function_call_arguments.done"),
    )
    assert added["output_index"] == 1
    assert added["item"]["status"] == "in_progress" and added["item"]["arguments"] == ""
    assert added["item"]["name"] == "lookup_order"
    assert added["item"]["call_id"].startswith("call_")
    deltas = [e["delta"] for e in flow if e["type"] == "response.function_call_arguments.delta"]
    assert deltas and "".join(deltas) == done["arguments"]
    assert json.loads(done["arguments"]) == {"id": "1234"}
    assert done["name"] == "lookup_order" and done["call_id"] == added["item"]["call_id"]
    assert "content_index" not in done
    output = events[-1]["response"]["output"]
    assert [item["type"] for item in output] == ["message", "function_call"]
    assert output[1]["arguments"] == done["arguments"] and output[1]["status"] == "completed"


async def test_a_tool_call_without_text_is_the_only_output(connect_client):
    async with FakeRealtimeServer(api_key=API_KEY, script=script("")) as fake:
        client = await open_client(connect_client, fake, [LOOKUP])
        await client.send({"type": "response.create"})
        events = await client.collect_until("response.done")
    assert [item["type"] for item in events[-1]["response"]["output"]] == ["function_call"]
    assert call_events(events)[0]["output_index"] == 0


@pytest.mark.parametrize("tools", [[], [{**LOOKUP, "name": "end_call"}]])
async def test_an_undeclared_tool_is_never_called(connect_client, tools):
    async with FakeRealtimeServer(api_key=API_KEY, script=script("잠시만요.")) as fake:
        client = await open_client(connect_client, fake, tools)
        await client.send({"type": "response.create"})
        done = await client.next_of("response.done")
    assert [item["type"] for item in done["response"]["output"]] == ["message"]


async def test_tool_choice_none_suppresses_the_call(connect_client):
    async with FakeRealtimeServer(api_key=API_KEY, script=script("잠시만요.")) as fake:
        client = await open_client(connect_client, fake, [LOOKUP])
        await client.send({"type": "response.create", "response": {"tool_choice": "none"}})
        done = await client.next_of("response.done")
    assert [item["type"] for item in done["response"]["output"]] == ["message"]


async def test_a_function_call_output_is_accepted_only_for_a_known_call_id(connect_client):
    async with FakeRealtimeServer(api_key=API_KEY, script=script("")) as fake:
        client = await open_client(connect_client, fake, [LOOKUP])
        await client.send({"type": "response.create"})
        call = (await client.next_of("response.done"))["response"]["output"][0]

        unknown = {"type": "function_call_output", "call_id": "call_unknown", "output": "{}"}
        await client.send(
            {"type": "conversation.item.create", "item": unknown, "event_id": "evt_o"}
        )
        error = (await client.next_of("error"))["error"]
        assert error["param"] == "item.call_id" and error["event_id"] == "evt_o"

        known = {"type": "function_call_output", "call_id": call["call_id"], "output": '{"ok":1}'}
        await client.send({"type": "conversation.item.create", "item": known})
        added = await client.next_of("conversation.item.added")
        assert added["item"]["type"] == "function_call_output"
        assert added["previous_item_id"] == call["id"]
        await client.send({"type": "response.create"})
        assert (await client.next_of("response.done"))["response"]["status"] == "completed"
