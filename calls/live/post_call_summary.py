"""The post-call summary: one text-only, out-of-band answer from the same Realtime session.

When the call ends (caller hang-up included), the session is asked, beside the conversation
(`conversation: "none"`, text only: no audio is made or sent), for a JSON summary, category,
resolved flag and sentiment. The answer is awaited at most SUMMARY_BOUND_S after the caller left;
validation and storage happen in the observer (calls.records). A transfer asks at once, so the
human agent's whisper can read it while their phone rings.
"""

from __future__ import annotations

import asyncio
import time

from calls.live.protocol import realtime as rt
from calls.live.responses import Responses
from calls.records.call_summary import instructions

SUMMARY_BOUND_S = 8.0
PURPOSE = {"purpose": "post_call_summary"}


def output_text(output: list) -> str:
    """The text parts of a response's output items, joined."""
    return "".join(
        part.get("text", "")
        for item in output
        if item.get("type") == "message"
        for part in item.get("content") or []
        if part.get("type") in ("output_text", "text")
    )


class PostCallSummary:
    """Asks for the summary once and waits (bounded) for the answer."""

    def __init__(self, responses: Responses):
        self.responses = responses
        self.answer: asyncio.Future | None = None
        self.asked_at = 0.0

    async def ask(self, categories: tuple[str, ...]) -> None:
        """Send the out-of-band request (once per call)."""
        if self.answer is not None:
            return
        self.answer = asyncio.get_running_loop().create_future()
        self.asked_at = time.monotonic()
        await self.responses.create_out_of_band(
            "summary", instructions(list(categories)), None, "text", PURPOSE
        )

    def done(self, event: rt.ResponseDone) -> None:
        """A response ended: if it is the summary, its text (or why there is none)."""
        if event.metadata.get("purpose") != PURPOSE["purpose"] or self.answer is None:
            return
        if not self.answer.done():
            text = output_text(event.output)
            if event.status == "completed" and text:
                self.answer.set_result((text, ""))
            else:
                self.answer.set_result(("", f"response {event.status or 'failed'}"))

    async def result(self, caller_left_at: float) -> tuple[str, str]:
        """(answer text, "") or ("", why not), waiting no longer than the bound allows."""
        if self.answer is None:
            return "", "not asked"
        remaining = SUMMARY_BOUND_S - (time.monotonic() - caller_left_at)
        try:
            async with asyncio.timeout(max(0.0, remaining)):
                return await asyncio.shield(self.answer)
        except TimeoutError:
            return "", f"no answer within {SUMMARY_BOUND_S:g} s"
