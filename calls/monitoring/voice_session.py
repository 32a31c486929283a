"""A supervisor's voice on the monitor socket: listening to a call, holding it, the microphone.

Client → server:
    {"action": "listen" | "unlisten", "call_sid": "CA…"}
    {"action": "take_over", "call_sid": "CA…"}
    {"action": "hand_back", "call_sid": "CA…", "text": "coaching note (optional)"}
    binary frames: the microphone while holding (calls.live.protocol.listen_audio, channel 2)
Server → client:
    binary frames: the call's audio while listening (channels 0 caller, 1 agent, 2 supervisor)
    {"type": "voice.listening", "call_sid": …} / {"type": "voice.stopped", "call_sid": …}
    {"type": "voice.reply", "op": "take_over" | "hand_back", "ok": bool, "code": …, "holder": …}

Listening holds a lease on the call's audio, renewed every LISTEN_RENEW_SECONDS while the socket
stays; stopping, leaving or closing the socket ends it at once (and an unrenewed lease runs out
on the holder's side). The process holding the call decides who holds it (one at a time) and
answers on this socket's channel; when the socket of the holder closes, the call hears about it
and goes back to the AI after its grace period unless the same supervisor takes it again.
"""

from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async

from calls.compliance.access_log import record_access
from calls.compliance.models import AccessAction
from calls.monitoring.access import can_watch
from calls.monitoring.live_events import (
    control_group,
    listen_group,
    listen_message,
    voice_audio_message,
    voice_message,
)
from calls.monitoring.message_budget import MessageBudget
from calls.records.drained_queue import stop_if_cancelled

logger = logging.getLogger(__name__)

LISTEN_PERMISSION = "calls.listen_call"
TAKE_OVER_PERMISSION = "calls.take_over_call"
LISTEN_LEASE_SECONDS = 10.0
LISTEN_RENEW_SECONDS = 3.0
LISTEN_RETRY_SECONDS = 0.5  # until the call's holder answers (its stream may not have started)
VOICE_ACTIONS = ("listen", "unlisten", "take_over", "hand_back")
MAX_NOTE_CHARS = 2000
MIC_BACKLOG_FRAMES = 50  # one second: older microphone audio is dropped, never delayed further
MIC_BURST_FRAMES = 250  # a browser that was busy sends what it captured meanwhile (5 s)
MIC_FRAMES_PER_SECOND = 60.0  # a microphone makes 50


def has_right(user, permission: str) -> bool:
    """Whether a watcher of calls also has this permission (a database read: call it off-loop)."""
    return can_watch(user) and user.has_perm(permission)


def allowed_and_logged(user, permission: str, action: str, call_sid: str, address) -> bool:
    """Check the right; log an allowed listen, take-over or hand-back in the access log."""
    if not has_right(user, permission):
        return False
    if action != "unlisten":
        record_access(
            user, AccessAction.SUPERVISOR_ACTION, call_sid=call_sid, address=address, detail=action
        )
    return True


class VoiceSession:
    """One monitor socket's listening lease and its hold on a call, if any."""

    def __init__(self, consumer):
        self.consumer = consumer
        self.listened_sid = ""
        self.renewing: asyncio.Task | None = None
        self.holding_sid = ""  # the call this socket holds (its microphone goes there)
        self.asked_sid = ""  # a take-over asked for and not answered yet
        self.lease_answered = False
        self.microphone_budget = MessageBudget(MIC_BURST_FRAMES, MIC_FRAMES_PER_SECOND)
        self.mic_pending: list[bytes] = []
        self.mic_sending: asyncio.Task | None = None

    @property
    def layer(self):
        """The consumer's channel layer."""
        return self.consumer.channel_layer

    @property
    def user(self):
        """The supervisor on this socket."""
        return self.consumer.user

    async def allowed(self, permission: str, action: str, call_sid: str) -> bool:
        """Check a right (and log the access) without blocking the event loop."""
        address = self.consumer.client_address
        return await database_sync_to_async(allowed_and_logged)(
            self.user, permission, action, call_sid, address
        )

    async def handle(self, action: str, call_sid: str, text: str) -> None:
        """One voice action from the browser (rights checked here)."""
        needed = LISTEN_PERMISSION if action in ("listen", "unlisten") else TAKE_OVER_PERMISSION
        holds_it = action in ("listen", "unlisten") and call_sid == self.holding_sid
        if not holds_it and not await self.allowed(needed, action, call_sid):  # holder hears it
            await self.consumer.send_error("forbidden", call_sid, action)
            return
        if action == "listen":
            await self.listen(call_sid)
        elif action == "unlisten":
            await self.unlisten()
        elif action == "take_over":
            self.asked_sid = call_sid
            await self.ask(call_sid, "take_over")
        elif action == "hand_back":
            await self.ask(call_sid, "hand_back", str(text or "").strip()[:MAX_NOTE_CHARS])

    # --- listening -------------------------------------------------------------------------

    async def listen(self, call_sid: str) -> None:
        """Join the call's audio group and hold a lease on its audio until told otherwise."""
        await self.unlisten()
        await self.layer.group_add(listen_group(call_sid), self.consumer.channel_name)
        self.listened_sid, self.lease_answered = call_sid, False
        self.renewing = asyncio.ensure_future(self.renew(call_sid))
        await self.consumer.send_json({"type": "voice.listening", "call_sid": call_sid})

    async def renew(self, call_sid: str) -> None:
        """Ask the holder for audio now, again until it answers, then keep the lease alive."""
        message = listen_message(
            self.consumer.channel_name,
            LISTEN_LEASE_SECONDS,
            actor_id=self.user.pk,
            actor_name=self.user.get_username(),
        )
        while True:
            try:
                await self.layer.group_send(control_group(call_sid), message)
            except Exception as error:  # the layer is down: the next renewal tries again
                logger.warning("could not renew the listen lease on %s: %s", call_sid, error)
            stop_if_cancelled()
            await asyncio.sleep(
                LISTEN_RENEW_SECONDS if self.lease_answered else LISTEN_RETRY_SECONDS
            )

    async def unlisten(self, tell: bool = True) -> None:
        """Stop listening: end the lease now and leave the audio group."""
        call_sid, self.listened_sid = self.listened_sid, ""
        if self.renewing is not None:
            self.renewing.cancel()
            self.renewing = None
        if not call_sid:
            return
        user = self.user
        stop = listen_message(
            self.consumer.channel_name, 0, actor_id=user.pk, actor_name=user.get_username()
        )
        try:
            await self.layer.group_send(control_group(call_sid), stop)
            await self.layer.group_discard(listen_group(call_sid), self.consumer.channel_name)
        except Exception as error:  # the lease runs out on its own
            logger.warning("could not stop listening to %s: %s", call_sid, error)
        if tell:
            await self.consumer.send_json({"type": "voice.stopped", "call_sid": call_sid})

    # --- holding ---------------------------------------------------------------------------

    async def ask(self, call_sid: str, op: str, text: str = "") -> None:
        """Send a take-over or hand-back to the process holding the call; it answers later."""
        message = voice_message(
            op,
            actor_id=self.user.pk,
            actor_name=self.user.get_username(),
            reply_to=self.consumer.channel_name,
            text=text,
        )
        await self.layer.group_send(control_group(call_sid), message)

    async def answered(self, message: dict) -> None:
        """The call's holder answered: remember what this socket now holds, tell the browser."""
        call_sid, op, ok = message.get("call_sid", ""), message.get("op"), message.get("ok")
        if op == "listen":
            self.lease_answered = call_sid == self.listened_sid
        elif op == "take_over" and ok:
            self.holding_sid = call_sid
        elif op == "hand_back" and ok and call_sid == self.holding_sid:
            self.holding_sid = ""
        await self.consumer.send_json({**message, "type": "voice.reply"})

    async def microphone(self, frame: bytes) -> None:
        """One microphone frame: to the call this socket holds (dropped when it holds none).

        Frames leave in the background, the ones that piled up during a slow send together,
        so a slow layer neither blocks this socket nor makes each frame wait a round trip.
        """
        if not self.holding_sid:
            return
        self.mic_pending.append(frame)
        del self.mic_pending[:-MIC_BACKLOG_FRAMES]
        if self.mic_sending is None or self.mic_sending.done():
            self.mic_sending = asyncio.ensure_future(self.send_microphone(self.holding_sid))

    async def send_microphone(self, call_sid: str) -> None:
        """Send what the microphone produced so far, until nothing is left."""
        while self.mic_pending:
            frames, self.mic_pending = self.mic_pending, []
            try:
                await self.layer.group_send(
                    control_group(call_sid), voice_audio_message(self.user.pk, frames)
                )
            except Exception as error:  # frames lost; the next ones try again
                logger.debug("microphone frames lost: %s", error)

    async def close(self) -> None:
        """The socket closed: stop listening; a held call starts its grace period."""
        await self.unlisten(tell=False)
        if self.mic_sending is not None:
            self.mic_sending.cancel()
        call_sid = self.holding_sid or self.asked_sid
        if not call_sid:
            return
        message = voice_message(
            "holder_lost", actor_id=self.user.pk, actor_name=self.user.get_username()
        )
        try:
            await self.layer.group_send(control_group(call_sid), message)
        except Exception as error:  # no message: the holder's microphone watchdog notices
            logger.warning("could not tell %s its holder left: %s", call_sid, error)
