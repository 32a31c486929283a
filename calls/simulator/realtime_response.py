"""One model response streamed in the §4.1 order, with barge-in/cancel tails and function calls."""

from __future__ import annotations

import asyncio
import base64
import json
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from calls.simulator import realtime_audio as audio
from calls.simulator import realtime_usage as usage
from calls.simulator.realtime_conversation import Conversation
from calls.simulator.realtime_ids import new_id
from calls.simulator.realtime_script import AgentTurn

Emit = Callable[[dict], Awaitable[None]]


@dataclass(frozen=True)
class ResponseTiming:
    """How fast responses stream; `speed=None` means as fast as the event loop allows."""

    chunk_ms: int = 100
    first_audio_delay_ms: int = 0
    speed: float | None = None
    ms_per_char: int = 70


class ResponseRun:
    """Streams one response; `request_cancel` makes it finish with the cancelled tail."""

    def __init__(
        self,
        *,
        emit: Emit,
        settings: dict,
        turn: AgentTurn,
        index: int,
        conversation: Conversation,
        context_tokens: dict,
        cached_tokens: dict,
        timing: ResponseTiming,
        rate_limits: str | None = "start",
    ) -> None:
        self.id = new_id("resp")
        self.emit = emit
        self.settings = settings
        self.turn = turn
        self.index = index
        self.out_of_band = settings["conversation"] == "none"
        # Out-of-band responses write nothing to the default conversation (§3).
        self.conversation = None if self.out_of_band else conversation
        self.conversation_id = None if self.out_of_band else conversation.id
        self.context_tokens = context_tokens  # per-modality input tokens of what it reads
        self.cached_tokens = cached_tokens
        self.context: list[dict] = []  # the items this response read (set by the session)
        self.timing = timing
        self.rate_limits = rate_limits
        self.cancel_reason: str | None = None
        self.incomplete = False
        self.audio_ms = 0.0
        self.output: list[dict] = []
        self._wake = asyncio.Event()
        self._text_tokens = 0

    def request_cancel(self, reason: str) -> None:
        """Ask the stream to stop at its next step (reason: turn_detected or client_cancelled)."""
        if self.cancel_reason is None:
            self.cancel_reason = reason
            self._wake.set()

    def envelope(self, status: str, status_details: dict | None, used: dict | None) -> dict:
        """Return the `realtime.response` object in its current state."""
        return {
            "object": "realtime.response",
            "id": self.id,
            "status": status,
            "status_details": status_details,
            "output": [_copy(item) for item in self.output],
            "conversation_id": self.conversation_id,
            "output_modalities": self.settings["output_modalities"],
            "max_output_tokens": self.settings["max_output_tokens"],
            "audio": {
                "output": {"format": self.settings["format"], "voice": self.settings["voice"]}
            },
            "usage": used,
            "metadata": self.settings["metadata"],
        }

    async def announce(self) -> None:
        """Send `response.created` (and `rate_limits.updated` when it goes first)."""
        created = self.envelope("in_progress", None, None)
        await self.emit({"type": "response.created", "response": created})
        if self.rate_limits == "start":
            await self._rate_limits()

    async def stream(self) -> None:
        """Stream the output items, then `response.done`; call after `announce`."""
        text = self._budgeted_text()
        # A response cancelled before it began generating has no output items at all.
        if text and self.cancel_reason is None:
            await self._message(text)
        call = self.turn.tool_call
        if call and self._tool_declared(call.name) and not self._stopped():
            await self._function_call(call.name, call.arguments)
        if self.rate_limits == "end":
            await self._rate_limits()
        status, details = self._final_status()
        used = usage.response_usage(
            self.context_tokens, self.cached_tokens, self._text_tokens, self.audio_ms
        )
        done = self.envelope(status, details, used)
        await self.emit({"type": "response.done", "response": done})

    def _stopped(self) -> bool:
        """Tell whether nothing more may be generated (cancelled or out of tokens)."""
        return self.cancel_reason is not None or self.incomplete

    def _final_status(self) -> tuple[str, dict | None]:
        """Return the response.done status and status_details."""
        if self.cancel_reason:
            return "cancelled", {"type": "cancelled", "reason": self.cancel_reason}
        if self.incomplete:
            return "incomplete", {"type": "incomplete", "reason": "max_output_tokens"}
        return "completed", None

    def _budgeted_text(self) -> str:
        """Return the text to speak, cut short when `max_output_tokens` cannot hold it."""
        text = self.turn.text
        limit = self.settings["max_output_tokens"]
        if limit == "inf" or not text:
            return text
        needed = usage.text_tokens(len(text)) + usage.output_audio_tokens(
            len(text) * self.timing.ms_per_char
        )
        if needed <= limit:
            return text
        self.incomplete = True
        return text[: max(1, len(text) * limit // needed)]

    def _tool_declared(self, name: str) -> bool:
        """Real models only call declared tools, and never when tool_choice is "none"."""
        choice = self.settings["tool_choice"]
        if choice == "none" or (
            isinstance(choice, dict) and choice.get("name") not in (None, name)
        ):
            return False
        return any(
            tool.get("type", "function") == "function" and tool.get("name") == name
            for tool in self.settings["tools"]
        )

    async def _pause_until(self, deadline: float | None) -> bool:
        """Wait until `deadline` (loop time) or a cancel; return True if cancelled."""
        if self.cancel_reason is None:
            loop_time = asyncio.get_running_loop().time()
            if deadline is None or deadline <= loop_time:
                await asyncio.sleep(0)  # let the reader run, so a barge-in can land mid-stream
            else:
                try:
                    async with asyncio.timeout(deadline - loop_time):
                        await self._wake.wait()
                except TimeoutError:
                    pass
        return self.cancel_reason is not None

    async def _add_item(self, item: dict) -> int:
        """Announce a new output item (and add it to the conversation); return its output_index."""
        output_index = len(self.output)
        self.output.append(item)
        await self.emit(
            {
                "type": "response.output_item.added",
                "response_id": self.id,
                "output_index": output_index,
                "item": dict(item),
            }
        )
        if self.conversation is not None:
            previous = self.conversation.add(item)
            await self.emit(
                {
                    "type": "conversation.item.added",
                    "previous_item_id": previous,
                    "item": dict(item),
                }
            )
        return output_index

    async def _finish_item(self, item: dict, output_index: int) -> None:
        """Close an output item: completed, or incomplete if the response was cut short."""
        item["status"] = "incomplete" if self._stopped() else "completed"
        await self.emit(
            {
                "type": "response.output_item.done",
                "response_id": self.id,
                "output_index": output_index,
                "item": _copy(item),
            }
        )
        if self.conversation is not None:
            await self.emit({"type": "conversation.item.done", "item": _copy(item)})

    async def _message(self, text: str) -> None:
        """Stream an assistant message as audio+transcript, or as text for text-only output."""
        item = {
            "id": new_id("item"),
            "object": "realtime.item",
            "type": "message",
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        }
        output_index = await self._add_item(item)
        where = {"response_id": self.id, "item_id": item["id"], "output_index": output_index}
        where["content_index"] = 0
        if self.settings["output_modalities"] == ["text"]:
            spoken = await self._stream_text(text, where)
            item["content"] = [{"type": "output_text", "text": spoken}]
        else:
            # The audio part exists from content_part.added on, so the item can be truncated
            # while it streams (openai-agents truncates before it cancels, §11.4).
            item["content"] = [{"type": "output_audio", "transcript": ""}]
            spoken = await self._stream_audio(text, where, item["content"][0])
            if not self._truncated(item["id"]):
                item["content"][0]["transcript"] = spoken
        self._text_tokens += usage.text_tokens(len(spoken))
        await self._finish_item(item, output_index)

    def _truncated(self, item_id: str) -> bool:
        """Tell whether the client truncated this item of the conversation."""
        return self.conversation is not None and item_id in self.conversation.truncations

    async def _stream_audio(self, text: str, where: dict, part: dict) -> str:
        """Send interleaved audio and transcript deltas, then their `.done` events.

        `part` is the item's stored audio part; its transcript grows with the deltas until the
        client truncates the item, which freezes it at what was heard.
        """
        await self.emit(
            {
                "type": "response.content_part.added",
                **where,
                "part": {"type": "audio", "transcript": ""},
            }
        )
        fmt = self.settings["format"]
        rate = audio.sample_rate(fmt)
        # `audio.output.speed` post-processes the voice, so it stretches or shrinks the audio.
        speed = self.settings["speed"] or 1.0
        total_ms = round(len(text) * self.timing.ms_per_char / speed)
        samples = audio.tone(total_ms, rate, self.index)
        per_chunk = rate * self.timing.chunk_ms // 1000
        chunks = max(1, math.ceil(len(samples) / per_chunk)) if len(samples) else 0
        loop = asyncio.get_running_loop()
        start = loop.time() + self.timing.first_audio_delay_ms / 1000
        spoken = ""
        for number in range(chunks):
            if await self._pause_until(self._chunk_due(start, number)):
                break
            piece = samples[number * per_chunk : (number + 1) * per_chunk]
            wire = audio.encode(piece, fmt)
            self._record_audio(where["item_id"], wire, len(piece) * 1000 / rate)
            await self.emit({"type": "response.output_audio.delta", **where, "delta": _b64(wire)})
            words = text[len(spoken) : len(text) * (number + 1) // chunks]
            if words:
                spoken += words
                if not self._truncated(where["item_id"]):
                    part["transcript"] = spoken
                await self.emit(
                    {"type": "response.output_audio_transcript.delta", **where, "delta": words}
                )
        await self.emit({"type": "response.output_audio.done", **where})
        await self.emit(
            {"type": "response.output_audio_transcript.done", **where, "transcript": spoken}
        )
        done_part = {"type": "audio", "transcript": spoken}
        await self.emit({"type": "response.content_part.done", **where, "part": done_part})
        return spoken

    def _chunk_due(self, start: float, number: int) -> float | None:
        """Return when audio chunk `number` is due: paced by `speed`, else only the first waits."""
        if self.timing.speed:
            return start + number * self.timing.chunk_ms / 1000 / self.timing.speed
        return start if number == 0 else None

    async def _stream_text(self, text: str, where: dict) -> str:
        """Send `response.output_text.delta` pieces, then `.done`."""
        await self.emit(
            {"type": "response.content_part.added", **where, "part": {"type": "text", "text": ""}}
        )
        sent = ""
        for start in range(0, len(text), 8):
            if await self._pause_until(None):
                break
            sent += text[start : start + 8]
            await self.emit(
                {"type": "response.output_text.delta", **where, "delta": text[start : start + 8]}
            )
        await self.emit({"type": "response.output_text.done", **where, "text": sent})
        await self.emit(
            {"type": "response.content_part.done", **where, "part": {"type": "text", "text": sent}}
        )
        return sent

    def _record_audio(self, item_id: str, wire: bytes, ms: float) -> None:
        """Remember generated audio per item, which bounds what truncate accepts."""
        self.audio_ms += ms
        # A truncated item keeps only the audio up to the cut, even while the stream goes on.
        if self.conversation is not None and not self._truncated(item_id):
            conversation = self.conversation
            conversation.generated_ms[item_id] = conversation.generated_ms.get(item_id, 0) + ms
            conversation.audio.setdefault(item_id, bytearray()).extend(wire)

    async def _function_call(self, name: str, arguments: dict) -> None:
        """Stream a function_call item (§6): added, argument deltas, done."""
        call_id = new_id("call")
        item = {
            "id": new_id("item"),
            "object": "realtime.item",
            "type": "function_call",
            "status": "in_progress",
            "name": name,
            "call_id": call_id,
            "arguments": "",
        }
        output_index = await self._add_item(item)
        where = {"response_id": self.id, "item_id": item["id"], "output_index": output_index}
        where["call_id"] = call_id
        encoded = json.dumps(arguments, ensure_ascii=False)
        step = max(1, math.ceil(len(encoded) / 3))
        for start in range(0, len(encoded), step):
            await self.emit(
                {
                    "type": "response.function_call_arguments.delta",
                    **where,
                    "delta": encoded[start : start + step],
                }
            )
        await self.emit(
            {
                "type": "response.function_call_arguments.done",
                **where,
                "name": name,
                "arguments": encoded,
            }
        )
        item["arguments"] = encoded
        self._text_tokens += usage.text_tokens(len(encoded)) + 5
        await self._finish_item(item, output_index)

    async def _rate_limits(self) -> None:
        """Send `rate_limits.updated` with plausible budgets (§4.3)."""
        await self.emit(
            {
                "type": "rate_limits.updated",
                "rate_limits": [
                    {"name": "requests", "limit": 1000, "remaining": 999, "reset_seconds": 60},
                    {"name": "tokens", "limit": 50000, "remaining": 49000, "reset_seconds": 60},
                ],
            }
        )


def _copy(item: dict) -> dict:
    """Copy an item with its content list, so later edits do not leak into sent events."""
    return (
        {**item, "content": [dict(part) for part in item["content"]]}
        if "content" in item
        else dict(item)
    )


def _b64(data: bytes) -> str:
    """Base64-encode audio for a delta."""
    return base64.b64encode(data).decode("ascii")
