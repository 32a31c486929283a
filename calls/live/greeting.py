"""The call's first words: played at once from the greeting cache, or asked of the model.

With cached audio for this call's (prompt version, voice, model, format), the greeting goes to
Twilio as soon as the stream is verified, while the Realtime session is still being set up; once
the session is live the greeting joins the conversation as the assistant's own message, so the
model knows it was said. Without it, the model is asked to speak the greeting (as before) and its
audio is recorded for the next calls, unless the caller cut it short.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from calls.live.greeting_cache import CachedGreeting, GreetingCache, GreetingKey
from calls.live.protocol import realtime as rt
from calls.monitoring.live_events import CallState

if TYPE_CHECKING:
    from calls.live.bridge import CallBridge

logger = logging.getLogger("calls.live.bridge")

CACHED_ITEM_ID = "greeting_cached"


class Greeting:
    """Plays or requests the greeting, and records a freshly spoken one for the cache."""

    def __init__(self, cache: GreetingCache | None, spawn: Callable[..., asyncio.Task]):
        self.cache = cache
        self.spawn = spawn
        self.key: GreetingKey | None = None
        self.text = ""
        self.played: CachedGreeting | None = None
        self.capture_next = False
        self.capture_response = ""  # the response whose audio is being recorded
        self.chunks: list[str] = []

    def prepare(self, key: GreetingKey | None, text: str) -> None:
        """This call's greeting and cache key (None: nothing to cache)."""
        self.key = key if self.cache is not None and text else None
        self.text = text

    async def play_cached(self, bridge: CallBridge) -> bool:
        """Send the cached greeting to the caller now; False when there is none yet."""
        if self.key is None:
            return False
        cached = await asyncio.to_thread(self.cache.load, self.key)
        if cached is None:
            return False
        self.played = cached
        bridge.agent_audio.stale_items.add(CACHED_ITEM_ID)  # not an OpenAI item: no truncate
        turn = bridge.transcripts.agent_turn(CACHED_ITEM_ID)
        for chunk in cached.chunks:
            await bridge.agent_audio.forward(CACHED_ITEM_ID, chunk, bridge.stream_ms)
        bridge.transcripts.agent_audio_sent(turn)
        bridge.transcripts.agent_done(CACHED_ITEM_ID, cached.text)
        bridge.set_state(CallState.AGENT_SPEAKING)
        bridge.record_event("greeting_cached", {"chunks": len(cached.chunks)})
        return True

    async def speak(self, bridge: CallBridge) -> None:
        """The session is live for the first time: the greeting joins the conversation."""
        if self.played is not None:
            item = rt.history_item("assistant", self.played.text, bridge.next_id("greeting"))
            await bridge.send_to_ai(item)
            return
        bridge.set_state(CallState.IDLE)
        instructions = f"다음 인사말을 그대로 말씀하세요: {self.text}" if self.text else None
        self.capture_next = self.key is not None
        await bridge.responses.create("greeting", instructions)

    def created(self, response_id: str) -> None:
        """A response started: the first after our request is the greeting to record."""
        if self.capture_next:
            self.capture_next = False
            self.capture_response = response_id

    def delta(self, response_id: str, delta_b64: str) -> None:
        """Keep the greeting's audio as it streams."""
        if response_id == self.capture_response:
            self.chunks.append(delta_b64)

    def done(self, response_id: str, status: str, cut_short: bool) -> None:
        """The greeting's response ended: store it if it was whole and heard uncut."""
        if response_id != self.capture_response:
            return
        chunks, self.chunks, self.capture_response = self.chunks, [], ""
        if status != "completed" or cut_short or not chunks:
            return
        greeting = CachedGreeting(self.key, self.text, tuple(chunks))
        self.spawn(asyncio.to_thread(self.cache.save, greeting), "greeting-save")
