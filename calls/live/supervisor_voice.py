"""Supervisor voice on a live call: listeners, one supervisor taking over, the hand-back to the AI.

Listening. A supervisor's socket holds a lease (`call.listen`, renewed while the page listens);
while any lease runs, `listening` is true and the call publishes its audio as binary frames
(calls.live.protocol.listen_audio): each caller frame as it arrives, and the agent's audio where
the caller heard it: a chunk starts when Twilio has echoed the mark of the chunk before it (or
at once when nothing was playing), and chunks cleared by a barge-in are never published. With
nobody listening the bridge's only extra work per frame is reading `listening`.

Taking over. One supervisor at a time holds the call; a second is told who holds it. The AI
stops at once: Twilio's buffer is cleared, the item truncated where the caller stopped hearing
it and the active response cancelled. It then makes no responses: the session's turn detection
gets `create_response` and `interrupt_response` off (and no idle timeout), and a response that
starts anyway (a DTMF, a tool, a race) is cancelled as it is created and its audio dropped. The
caller's audio still goes to the call's session, so the caller's transcript keeps flowing; the
supervisor's microphone goes to Twilio as media (and to the recording's agent channel) and to a
separate transcription session (calls.live.supervisor_transcriber): each finished turn is a
`supervisor` utterance and is added to the call's conversation as an assistant message at once,
so the AI knows what was said, in order with the caller's turns.

Handing back. Turn detection is restored, a coaching note (if any) is added as a system message
and the AI speaks: a short resume line, or, when the holder's socket dropped and did not come
back within `grace_seconds` (or the microphone went silent for `mic_silence_seconds`), an
apology first. Never dead air.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from calls.live.observer import UtteranceRecord
from calls.live.phase import CallPhase
from calls.live.protocol import listen_audio
from calls.live.protocol import realtime as rt
from calls.live.protocol.twilio import build_media
from calls.live.supervisor_transcriber import SupervisorTranscriber
from calls.monitoring.live_events import CallState

if TYPE_CHECKING:
    from calls.live.bridge import CallBridge

logger = logging.getLogger("calls.live.bridge")

MAX_LEASE_SECONDS = 30.0
RESUME_INSTRUCTIONS = (
    "상담사가 통화를 AI 상담원에게 다시 넘겼습니다. 상담사가 고객님께 드린 말씀을 이어받아, "
    "이어서 도와드리겠다고 짧게 말씀하세요."
)
APOLOGY_INSTRUCTIONS = (
    "상담사와의 연결이 끊어졌습니다. 고객님께 기다리시게 해서 죄송하다고 짧게 사과드리고, "
    "AI 상담원이 이어서 도와드리겠다고 말씀하세요."
)


class VoiceOutlet(Protocol):
    """Where a call's audio and its answers to supervisors go (the channel layer, in Django)."""

    def audio(self, frame: bytes) -> None:
        """Publish one audio frame to the call's listeners (must not wait)."""

    async def reply(self, channel: str, message: dict) -> None:
        """Answer the socket that asked to take over or hand back."""


@dataclass(slots=True)
class Holder:
    """The supervisor holding the call."""

    actor_id: int | None
    name: str
    reply_to: str
    last_frame_at: float
    dropped_at: float | None = None


class SupervisorVoice:
    """One call's listeners and its take-over state (owned by the CallBridge)."""

    grace_seconds = 5.0  # a holder's lost socket may come back this long
    mic_silence_seconds = 20.0  # no microphone frame this long: the holder is gone
    check_seconds = 0.25

    def __init__(self, bridge: CallBridge):
        self.bridge = bridge
        self.listening = False  # read per frame on the hot path
        self.outlet: VoiceOutlet | None = None
        self.leases: dict[str, tuple[float, str, int | None]] = {}  # listener -> expiry, who
        self.lease_timer: asyncio.Task | None = None
        self.seq = 0
        self.agent_chunks: OrderedDict[str, str] = OrderedDict()  # mark -> chunk not yet heard
        self.holder: Holder | None = None
        self.saved_turn_detection: dict | None = None
        self.transcriber: SupervisorTranscriber | None = None
        self.transcriber_task: asyncio.Task | None = None
        self.watchdog: asyncio.Task | None = None
        self.turns_said = 0
        self.unsent_turns: list[str] = []  # transcribed, not yet in the call's conversation
        self.clock = time.monotonic

    @property
    def held(self) -> bool:
        """Whether a supervisor holds the call (the AI makes no responses)."""
        return self.holder is not None

    # --- listening -------------------------------------------------------------------------

    async def listen(self, listener: str, seconds: float, actor_id: int | None, name: str) -> None:
        """Start, renew (seconds > 0) or end (0) one listener's lease on the call's audio.

        A new listener is answered, so its socket knows the lease reached the call.
        """
        if seconds <= 0:
            if self.leases.pop(listener, None) is not None:
                self.record("supervisor_listen_stop", actor_id, name)
            self.update_listening()
            return
        new = listener not in self.leases
        if new:
            self.record("supervisor_listen", actor_id, name)
        expires = self.clock() + min(seconds, MAX_LEASE_SECONDS)
        self.leases[listener] = (expires, name, actor_id)
        self.update_listening()
        if self.lease_timer is None or self.lease_timer.done():
            self.lease_timer = self.bridge.spawn(self.expire_leases(), "listen-leases")
        if new:
            await self.reply(listener, "listen", self.listening)

    def update_listening(self) -> None:
        """Publish audio exactly while a lease runs (and the call can publish at all)."""
        listening = bool(self.leases) and self.outlet is not None and not self.bridge.phase.over
        if listening != self.listening:
            self.agent_chunks.clear()
            self.bridge.agent_audio.listener = self if listening else None
        self.listening = listening

    async def expire_leases(self) -> None:
        """End leases that were not renewed (a closed tab, a lost socket, another process)."""
        while self.leases:
            soonest = min(expires for expires, _, _ in self.leases.values())
            await asyncio.sleep(max(0.05, soonest - self.clock()))
            now = self.clock()
            for listener, (expires, name, actor_id) in list(self.leases.items()):
                if expires <= now:
                    del self.leases[listener]
                    self.record("supervisor_listen_stop", actor_id, name, reason="lease_expired")
            self.update_listening()

    def caller_frame(self, payload_b64: str, timestamp_ms: int) -> None:
        """A caller frame as it arrived (only called while listening)."""
        self.send_frame(listen_audio.CALLER, timestamp_ms, base64.b64decode(payload_b64))

    def agent_sent(self, mark: str, payload_b64: str) -> None:
        """An agent chunk went to Twilio: heard now if nothing plays, else after the one before."""
        self.agent_chunks[mark] = payload_b64
        if len(self.agent_chunks) == 1:
            self.send_agent(payload_b64)

    def agent_played(self, mark: str) -> None:
        """Twilio echoed a mark: that chunk has played, the next one starts now."""
        chunks = self.agent_chunks
        if mark not in chunks:
            return
        while chunks and chunks.popitem(last=False)[0] != mark:
            pass
        if chunks:
            self.send_agent(next(iter(chunks.values())))

    def send_agent(self, payload_b64: str) -> None:
        """Publish an agent chunk that starts playing now."""
        self.send_frame(listen_audio.AGENT, self.bridge.stream_ms, base64.b64decode(payload_b64))

    def agent_cleared(self) -> None:
        """A barge-in cleared Twilio's buffer: what was not heard is never published."""
        self.agent_chunks.clear()

    def send_frame(self, channel: int, timestamp_ms: int, ulaw: bytes) -> None:
        """Publish one frame to the listeners."""
        self.seq += 1
        self.outlet.audio(listen_audio.pack(channel, self.seq, timestamp_ms, ulaw))

    # --- taking over -----------------------------------------------------------------------

    async def take_over(self, actor_id: int | None, name: str, reply_to: str) -> None:
        """A supervisor asks to hold the call: granted unless another holds it or it is not live."""
        bridge = self.bridge
        holder = self.holder
        if bridge.phase.over or bridge.config is None or not bridge.phase.reached(CallPhase.LIVE):
            await self.reply(reply_to, "take_over", False, "call_not_live")
            return
        if holder is not None and holder.actor_id != actor_id:
            await self.reply(reply_to, "take_over", False, "held", holder.name)
            return
        now = self.clock()
        if holder is not None:  # the holder's page came back (reconnected): keep holding
            holder.reply_to, holder.dropped_at, holder.last_frame_at = reply_to, None, now
            await self.reply(reply_to, "take_over", True)
            return
        self.holder = Holder(actor_id, name, reply_to, last_frame_at=now)
        self.turns_said = 0
        await self.silence_the_ai()
        await self.set_turn_detection(held=True)
        config = bridge.config
        self.transcriber = SupervisorTranscriber(
            bridge.settings.endpoint, config.transcription_language, self.said, bridge.offset_ms
        )
        self.transcriber_task = bridge.spawn(self.transcriber.run(), "supervisor-transcriber")
        self.watchdog = bridge.spawn(self.watch_holder(), "supervisor-hold")
        self.record("supervisor_take_over", actor_id, name)
        await self.reply(reply_to, "take_over", True)

    async def silence_the_ai(self) -> None:
        """Stop the AI now: clear Twilio, truncate at what was heard, cancel the response."""
        bridge = self.bridge
        cut = await bridge.agent_audio.barge_in(bridge.stream_ms, time.monotonic())
        responses = bridge.responses
        await responses.cancel()
        responses.wanted = False
        responses.end_after_playback = ""  # the supervisor decides how the call ends now
        if cut is not None:
            if bridge.agent_audio.can_truncate(cut):
                await bridge.send_to_ai(
                    rt.truncate(cut.item_id, cut.audio_end_ms, bridge.next_id("trunc"))
                )
            bridge.transcripts.agent_interrupted(cut.item_id)
        bridge.set_state(CallState.IDLE)

    async def set_turn_detection(self, *, held: bool) -> None:
        """Turn the AI's own responses off while held (no idle re-prompts), or back on."""
        bridge = self.bridge
        audio_input = bridge.session.get("audio", {}).get("input", {})
        if held:
            current = audio_input.get("turn_detection")
            self.saved_turn_detection = current
            if current is None:
                return  # no VAD: the model answers only when the bridge asks
            quiet = {**current, "create_response": False, "interrupt_response": False}
            if "idle_timeout_ms" in quiet:
                quiet["idle_timeout_ms"] = None
            audio_input["turn_detection"] = quiet
        elif self.saved_turn_detection is not None:
            audio_input["turn_detection"] = self.saved_turn_detection
        else:
            return
        # bridge.session keeps the held settings too, so a reconnect while held stays quiet.
        detection = audio_input["turn_detection"]
        update = {"type": "realtime", "audio": {"input": {"turn_detection": detection}}}
        await bridge.send_to_ai(rt.session_update(update, bridge.next_id("voice")))

    async def supervisor_audio(self, actor_id: int | None, data: bytes) -> None:
        """One microphone frame of the holder: to the caller, the recording and the transcriber."""
        holder, bridge = self.holder, self.bridge
        if holder is None or holder.actor_id != actor_id or bridge.phase.over:
            return
        try:
            frame = listen_audio.unpack(data)
        except listen_audio.BadAudioFrame:
            return
        holder.last_frame_at = self.clock()
        payload = base64.b64encode(frame.ulaw).decode()
        await bridge.send_to_twilio(build_media(bridge.stream_sid, payload))
        if bridge.recording is not None:
            bridge.recording.agent_chunk_sent(bridge.stream_ms, frame.ulaw)
        if self.listening:
            self.send_frame(listen_audio.SUPERVISOR, bridge.stream_ms, frame.ulaw)
        if self.transcriber is not None:
            await self.transcriber.append(payload)

    def said(self, item_id: str, text: str, started_ms: int | None) -> None:
        """A transcribed supervisor turn: a `supervisor` utterance, and the AI's own words."""
        bridge = self.bridge
        self.turns_said += 1
        bridge.transcripts.history.append(("assistant", text))  # replayed after a reconnect
        if bridge.observer is not None:
            bridge.observer.utterance(
                UtteranceRecord(
                    speaker="supervisor",
                    text=text,
                    item_id=f"supervisor_{item_id}",
                    started_ms=started_ms,
                    ended_ms=bridge.offset_ms(),
                )
            )
        self.unsent_turns.append(text)
        bridge.spawn(self.send_turns(), "supervisor-turn")

    async def send_turns(self) -> None:
        """Add the transcribed supervisor turns to the call's conversation, in order."""
        bridge = self.bridge
        while self.unsent_turns:
            item = rt.history_item("assistant", self.unsent_turns.pop(0), bridge.next_id("sv"))
            await bridge.send_to_ai(item)

    def holder_lost(self, actor_id: int | None) -> None:
        """The holder's socket closed: the grace period starts (a reconnect keeps the call)."""
        holder = self.holder
        if holder is not None and holder.actor_id == actor_id and holder.dropped_at is None:
            holder.dropped_at = self.clock()

    async def watch_holder(self) -> None:
        """Give the call back to the AI when the holder is gone: socket lost, microphone silent."""
        while (holder := self.holder) is not None:
            await asyncio.sleep(self.check_seconds)
            if holder is not self.holder:
                return
            now = self.clock()
            if holder.dropped_at is not None and now - holder.dropped_at >= self.grace_seconds:
                await self.hand_back(holder.actor_id, holder.name, reason="socket_lost")
            elif now - holder.last_frame_at >= self.mic_silence_seconds:
                await self.hand_back(holder.actor_id, holder.name, reason="microphone_silent")

    # --- handing back ----------------------------------------------------------------------

    async def hand_back(
        self,
        actor_id: int | None,
        name: str,
        note: str = "",
        reason: str = "supervisor",
        reply_to: str = "",
    ) -> None:
        """Give the call back to the AI; its words so far are in the conversation already."""
        holder, bridge = self.holder, self.bridge
        if holder is None or (reason == "supervisor" and holder.actor_id != actor_id):
            await self.reply(reply_to, "hand_back", False, "not_holder")
            return
        self.holder = None
        if self.watchdog is not None and self.watchdog is not asyncio.current_task():
            self.watchdog.cancel()
        await self.stop_transcriber()
        if bridge.phase.over:
            return
        await self.send_turns()  # the last turn is in the conversation before the AI speaks
        await self.set_turn_detection(held=False)
        if note.strip():
            await bridge.send_to_ai(rt.text_item("system", note.strip(), bridge.next_id("coach")))
        instructions = RESUME_INSTRUCTIONS if reason == "supervisor" else APOLOGY_INSTRUCTIONS
        if bridge.responses.active:
            bridge.responses.wanted = True
        else:
            await bridge.send_to_ai(rt.response_create(bridge.next_id("resume"), instructions))
        data = {"reason": reason, "supervisor_turns": self.turns_said}
        if note.strip():
            data["note"] = note.strip()
        self.record("supervisor_hand_back", holder.actor_id, holder.name, **data)
        await self.reply(reply_to or holder.reply_to, "hand_back", True)

    async def stop_transcriber(self) -> None:
        """Let a turn in progress be transcribed (briefly), then close the session."""
        transcriber, task = self.transcriber, self.transcriber_task
        self.transcriber = self.transcriber_task = None
        if transcriber is None:
            return
        await transcriber.finish()
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    # --- helpers ---------------------------------------------------------------------------

    def record(self, kind: str, actor_id: int | None, name: str, **data) -> None:
        """A timeline entry naming the supervisor (stored with the actor, shown live)."""
        observer = self.bridge.observer
        if observer is not None:
            entry = {"actor_name": name, **data}
            observer.event(kind, entry, self.bridge.offset_ms(), actor_id=actor_id)

    async def reply(
        self, channel: str, op: str, ok: bool, code: str = "", holder: str = ""
    ) -> None:
        """Tell the asking socket how its request went (nobody asked: nothing to say)."""
        if not channel or self.outlet is None:
            return
        message = {"type": "monitor.voice", "op": op, "ok": ok, "code": code, "holder": holder}
        await self.outlet.reply(channel, message)
