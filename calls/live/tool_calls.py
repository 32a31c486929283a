"""The agent's tool calls: each handled once, answered with a function_call_output.

Built in: `end_call` (hang up once the goodbye has played) and `transfer_to_human` (when a human
agent number is configured). Business tools (staff-built HTTP requests, prompts.tool_spec) run in
tasks the bridge owns, never on the audio path: their arguments are checked against the tool's
JSON Schema, the request goes out, and its result (or a structured error) goes back to the model
followed by one response.create once no tool of the turn is still running. When a tool is slow
and the caller hears nothing, a filler sentence is spoken in the agent's voice by an out-of-band
response, so it never enters the model's conversation. A hang-up cancels what is in flight.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
from jsonschema import Draft202012Validator

from calls.live import http_tool
from calls.live.protocol import realtime as rt
from calls.live.recent_ids import RecentIds
from calls.live.responses import Responses
from calls.live.tool_stats import tool_stats
from prompts.tool_spec import DEFAULT_FILLER, ToolSpec

MAX_TOOLS_IN_FLIGHT = 4  # per call; the model may call several at once
FILLER_INSTRUCTIONS = "시스템 메시지의 문장만 그대로, 다른 말을 덧붙이지 말고 말씀하세요."


@dataclass(frozen=True)
class ToolContext:
    """What tool calls need from the call: where requests may go."""

    allowed_hosts: tuple[str, ...] = ()
    production: bool = False


class ToolCalls:
    """Runs the tools the agent calls during one call."""

    def __init__(
        self,
        send: Callable[[str], Awaitable[None]],
        next_id: Callable[[str], str],
        record_event: Callable[[str, dict], None],
        responses: Responses,
        human_agent_number: str,
        spawn: Callable[..., asyncio.Task] | None = None,
        agent_playing: Callable[[], bool] = lambda: False,
        context: ToolContext = ToolContext(),
    ):
        self.send = send
        self.next_id = next_id
        self.record_event = record_event
        self.responses = responses
        self.human_agent_number = human_agent_number
        self.spawn = spawn
        self.agent_playing = agent_playing
        self.context = context
        self.handled = RecentIds()  # call ids answered: a repeated event is ignored
        self.tools: dict[str, ToolSpec] = {}
        self.validators: dict[str, Draft202012Validator] = {}
        self.in_flight: dict[str, ToolSpec] = {}  # call_id -> tool
        self.filler_due = ""  # a filler sentence waiting for silence
        self.filler_spoken = False  # once per round of tool calls
        self.http: aiohttp.ClientSession | None = None

    def offer(self, tools: tuple[ToolSpec, ...]) -> None:
        """The business tools this call's session declares."""
        self.tools = {tool.name: tool for tool in tools}
        self.validators = {tool.name: Draft202012Validator(tool.parameters) for tool in tools}

    async def call(self, event: rt.FunctionCallDone) -> None:
        """The agent called a tool; each call id is handled once."""
        if event.call_id in self.handled:
            return
        self.handled.add(event.call_id)
        arguments_done = time.monotonic()
        self.record_event("tool_call", {"name": event.name, "arguments": event.arguments})
        if event.name == "end_call":
            await self.answer(event.call_id, {"ok": True})
            self.responses.end_when_played("agent_hangup")
        elif event.name == "transfer_to_human" and self.human_agent_number:
            await self.answer(event.call_id, {"ok": True})
            self.responses.end_when_played("transferred")
        elif event.name in self.tools and self.spawn is not None:
            await self.start(event, self.tools[event.name], arguments_done)
        else:
            await self.answer(
                event.call_id, {"ok": False, "error": f"{event.name} is not available"}
            )
            self.responses.wanted = True

    async def start(self, event: rt.FunctionCallDone, tool: ToolSpec, arguments_done: float):
        """Check the arguments, then run the request beside the call (bounded per call)."""
        try:
            arguments = json.loads(event.arguments or "{}")
        except ValueError:
            arguments = None
        problems = self.problems(tool, arguments)
        if problems or len(self.in_flight) >= MAX_TOOLS_IN_FLIGHT:
            error = "invalid_arguments" if problems else "too_many_tool_calls"
            output = {"error": error, "details": problems} if problems else {"error": error}
            self.finished(tool, event.arguments, http_tool.ToolOutcome(output, error), None)
            await self.answer(event.call_id, output)
            await self.respond_when_settled()
            return
        self.in_flight[event.call_id] = tool
        if len(self.in_flight) == 1:
            self.filler_spoken = False
        self.spawn(self.run(event.call_id, tool, arguments, arguments_done), f"tool-{tool.name}")
        self.spawn(self.filler_after(event.call_id, tool), f"filler-{tool.name}")

    def problems(self, tool: ToolSpec, arguments) -> list[str]:
        """Why the arguments do not fit the tool's schema (empty when they do)."""
        if not isinstance(arguments, dict):
            return ["arguments are not a JSON object"]
        errors = self.validators[tool.name].iter_errors(arguments)
        return [f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errors]

    async def run(self, call_id: str, tool: ToolSpec, arguments: dict, arguments_done: float):
        """One request; its result goes to the model, then a response once the round is done."""
        if self.http is None:
            self.http = http_tool.open_session(list(self.context.allowed_hosts))
        outcome = await http_tool.run_tool(
            tool, arguments, self.http, list(self.context.allowed_hosts), self.context.production
        )
        self.in_flight.pop(call_id, None)
        dispatch_ms = None
        if outcome.sent_at is not None:
            dispatch_ms = round((outcome.sent_at - arguments_done) * 1000, 3)
        self.finished(tool, arguments, outcome, dispatch_ms)
        await self.answer(call_id, outcome.output)
        await self.respond_when_settled()

    def finished(self, tool: ToolSpec, arguments, outcome, dispatch_ms: float | None) -> None:
        """The timeline entry and the metrics of a finished tool call."""
        self.record_event(
            "tool_result",
            {
                "name": tool.name,
                "label": tool.label or tool.name,
                "arguments": arguments,
                "status": outcome.status,
                "outcome": outcome.outcome,
                "latency_ms": outcome.latency_ms,
                "bytes": outcome.bytes,
                "dispatch_ms": dispatch_ms,
                "result": outcome.output,
            },
        )
        tool_stats.record(tool.name, outcome.outcome, outcome.latency_ms)

    async def respond_when_settled(self) -> None:
        """Once no tool of this round is running, the model answers from the results."""
        if not self.in_flight:
            self.filler_due = ""
            await self.responses.request()

    async def filler_after(self, call_id: str, tool: ToolSpec) -> None:
        """After the tool's filler delay, a still-running tool gets its filler sentence."""
        await asyncio.sleep(tool.filler_delay_ms / 1000)
        if call_id in self.in_flight and not self.filler_spoken:
            self.filler_due = tool.filler or DEFAULT_FILLER
            await self.say_filler_if_quiet()

    async def say_filler_if_quiet(self) -> None:
        """Speak the due filler when no response runs and nothing plays (else wait for that)."""
        if not self.filler_due or self.responses.busy or self.agent_playing():
            return
        filler, self.filler_due, self.filler_spoken = self.filler_due, "", True
        self.record_event("tool_filler", {"text": filler})
        await self.responses.create_out_of_band(
            "filler", FILLER_INSTRUCTIONS, [rt.system_message(filler)]
        )

    async def answer(self, call_id: str, result: dict) -> None:
        """Give the model a tool's result."""
        await self.send(rt.function_output(call_id, result, self.next_id("fn")))

    async def close(self) -> None:
        """The call is over: release the HTTP client (requests in flight were cancelled)."""
        if self.http is not None:
            await self.http.close()
            self.http = None
