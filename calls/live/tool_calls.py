"""The agent's tool calls: each handled once, answered with a function_call_output.

Built in today: `end_call` (hang up once the goodbye has played) and `transfer_to_human` (when a
human agent number is configured). Any other name gets a structured error so the agent can tell
the caller, and a response follows once the current one ends.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from calls.live.protocol import realtime as rt
from calls.live.responses import Responses


class ToolCalls:
    """Runs the tools the agent calls during one call."""

    def __init__(
        self,
        send: Callable[[str], Awaitable[None]],
        next_id: Callable[[str], str],
        record_event: Callable[[str, dict], None],
        responses: Responses,
        human_agent_number: str,
    ):
        self.send = send
        self.next_id = next_id
        self.record_event = record_event
        self.responses = responses
        self.human_agent_number = human_agent_number
        self.handled: set[str] = set()

    async def call(self, event: rt.FunctionCallDone) -> None:
        """The agent called a tool; each call id is handled once."""
        if event.call_id in self.handled:
            return
        self.handled.add(event.call_id)
        self.record_event("tool_call", {"name": event.name, "arguments": event.arguments})
        if event.name == "end_call":
            await self.answer(event.call_id, {"ok": True})
            self.responses.end_when_played("agent_hangup")
        elif event.name == "transfer_to_human" and self.human_agent_number:
            await self.answer(event.call_id, {"ok": True})
            self.responses.end_when_played("transferred")
        else:
            await self.answer(
                event.call_id, {"ok": False, "error": f"{event.name} is not available"}
            )
            self.responses.wanted = True

    async def answer(self, call_id: str, result: dict) -> None:
        """Give the model a tool's result."""
        await self.send(rt.function_output(call_id, result, self.next_id("fn")))
