"""Turn-taking with the model: one active response at a time, and how the call ends after it.

OpenAI refuses a response.create while another response is active
(`conversation_already_has_active_response`), so a request made then waits for response.done.
A response lost with a dropped session is owed and asked for once the new session is live.
When the agent hangs up or transfers, the call ends only after its last words have played.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from calls.live.protocol import realtime as rt
from calls.live.recent_ids import RecentIds

GOODBYE_INSTRUCTIONS = "고객님께 짧고 정중하게 작별 인사를 해 주세요."
IDLE_GOODBYE_INSTRUCTIONS = (
    "고객님의 응답이 없어 통화를 종료한다고 짧고 정중하게 말씀드리고 작별 인사를 해 주세요."
)


class Responses:
    """The model's response in progress, the one waiting for it, and the planned hang-up."""

    def __init__(self, send: Callable[[str], Awaitable[None]], next_id: Callable[[str], str]):
        self.send = send
        self.next_id = next_id
        self.active = ""  # id of the response in progress
        self.requested = ""  # event id of a response.create not answered yet
        self.wanted = False  # a response.create waits for the active one to end
        self.owed = False  # a response was lost with the old session
        self.end_after_playback = ""  # end reason once the agent's last words have played
        self.goodbye_instructions = GOODBYE_INSTRUCTIONS
        self.goodbye_requested = False
        self.replace_next = False  # the server's next response gives way to our goodbye
        self.cancelled = RecentIds()  # responses we cancelled: their audio is not played

    @property
    def busy(self) -> bool:
        """A response runs, or one we asked for has not started yet."""
        return bool(self.active or self.requested)

    async def request(self) -> None:
        """Ask for a response now, or right after the active one ends."""
        if self.busy:
            self.wanted = True
        else:
            await self.create("resp")

    async def create(self, prefix: str, instructions: str | None = None) -> None:
        """Send a response.create and remember it until OpenAI starts (or refuses) it."""
        self.requested = self.next_id(prefix)
        await self.send(rt.response_create(self.requested, instructions))

    async def create_out_of_band(
        self,
        prefix: str,
        instructions: str,
        items: list | None,
        modality: str = "audio",
        metadata: dict | None = None,
    ) -> None:
        """A response beside the conversation (`conversation: none`), see out_of_band_response."""
        self.requested = self.next_id(prefix)
        event = rt.out_of_band_response(self.requested, instructions, items, modality, metadata)
        await self.send(event)

    async def refused(self, event_id: str) -> None:
        """OpenAI refused one of our response.create events: it never starts."""
        if event_id and event_id == self.requested:
            self.requested = ""
            if not self.active and self.wanted and not self.end_after_playback:
                self.wanted = False
                await self.create("resp")

    async def created(self, response_id: str) -> None:
        """A response started; one the server made when our goodbye must come is cancelled."""
        self.active = response_id
        self.requested = ""
        if self.replace_next:
            self.replace_next = False
            await self.cancel()

    async def cancel(self) -> None:
        """Stop the active response ourselves; its remaining audio is dropped."""
        if self.active and self.active not in self.cancelled:
            self.cancelled.add(self.active)
            await self.send(rt.response_cancel(self.next_id("cancel"), self.active))

    def spoke(self, response_id: str, output: list) -> bool:
        """Whether a finished response said something the caller heard (not one we cancelled)."""
        if response_id in self.cancelled:
            return False
        return any(item.get("type") == "message" for item in output)

    async def finished(self) -> None:
        """The active response ended: send the one that waited, if any."""
        self.active = ""
        if self.wanted and not self.requested and not self.end_after_playback:
            self.wanted = False
            await self.create("resp")

    def session_lost(self, caller_turn_unanswered: bool) -> None:
        """The session dropped: a response in progress, or one the caller waits for, is owed."""
        self.owed = bool(self.active or self.requested) or caller_turn_unanswered
        self.active = self.requested = ""

    async def settle_owed(self) -> None:
        """The new session is live: ask for the response the old one never gave."""
        if self.owed:
            self.owed = False
            await self.request()

    def end_when_played(self, reason: str, goodbye: str = GOODBYE_INSTRUCTIONS) -> None:
        """The agent ends the call (hang-up or transfer) once what it says has played."""
        self.end_after_playback = reason
        self.goodbye_instructions = goodbye

    async def say_goodbye(self) -> None:
        """The call ends and nothing was said: ask for a short goodbye first (once)."""
        self.goodbye_requested = True
        await self.create("bye", self.goodbye_instructions)
