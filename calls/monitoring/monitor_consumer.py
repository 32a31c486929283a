"""MonitorConsumer: the supervisors' live socket (wallboard or one call, and supervisor actions).

Client → server (JSON):
    {"action": "subscribe", "target": "wallboard"}
    {"action": "subscribe", "target": "call", "call_sid": "CA…"}
    {"action": "hangup" | "transfer" | "coach", "call_sid": "CA…", "text": "…"}   (text: coach)
    voice: listen, unlisten, take_over, hand_back and binary microphone frames (voice_session.py)
Server → client:
    {"type": "snapshot", "target": "wallboard", "calls": [...], "totals": {...}}
    {"type": "snapshot", "target": "call", "live": bool, "call": {...}, "utterances": [...], ...}
    then the events of live_events (`call.status`, `call.transcript`, ...), each with `seq`;
    {"type": "action.sent", "action": …, "call_sid": …} or {"type": "error", "code": …};
    while listening, binary audio frames (calls.live.protocol.listen_audio).

The snapshot comes from the database; live state self-heals because status events are full
snapshots and transcript deltas carry the text so far. Watching a call sends `call.watch` to its
holder, renewed while the page stays (calls/events.py): the holder publishes the call's details
only under such a lease, and answers a new one with what the snapshot may lack. The socket sends
the holder no other message type: an unhandled type would raise inside the consumer that
carries the call's audio.
"""

from __future__ import annotations

import asyncio
import logging
import re

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from calls.compliance.access_log import record_access, valid_address
from calls.compliance.models import AccessAction
from calls.monitoring.access import can_watch
from calls.monitoring.call_data import can_see_numbers, mask_message
from calls.monitoring.live_events import (
    WALLBOARD_GROUP,
    WATCH_RENEW_SECONDS,
    WATCH_RETRY_SECONDS,
    call_group,
    control_group,
    watch_message,
)
from calls.monitoring.message_budget import MessageBudget
from calls.monitoring.queries import call_snapshot, wallboard_snapshot
from calls.monitoring.supervisor_actions import ACTIONS, ActionRefused, send_action
from calls.monitoring.voice_session import VOICE_ACTIONS, VoiceSession
from calls.records.drained_queue import stop_if_cancelled

logger = logging.getLogger(__name__)

FORBIDDEN_CLOSE_CODE = 4403
FLOOD_CLOSE_CODE = 4429  # like HTTP 429: too many messages
CALL_SID = re.compile(r"^[A-Za-z0-9]{2,64}$")


def logged_call_snapshot(call_sid: str, reveal: bool, user, address: str | None):
    """A call's snapshot for a watcher, the view written to the access log."""
    snapshot = call_snapshot(call_sid, reveal)
    if snapshot is not None:
        record_access(user, AccessAction.WATCH_LIVE, call_sid=call_sid, address=address)
    return snapshot


class MonitorConsumer(AsyncJsonWebsocketConsumer):
    """A supervisor's socket: one subscription at a time, a snapshot, then live events."""

    async def connect(self):
        """Accept watchers; accept-then-close others with 4403 so browsers see the reason."""
        self.budget = MessageBudget()
        await self.accept()
        self.user = self.scope.get("user")
        if not await database_sync_to_async(can_watch)(self.user):  # has_perm reads the DB
            await self.close(code=FORBIDDEN_CLOSE_CODE)
            return
        self.reveal = can_see_numbers(self.user)
        self.subscribed: list[str] = []
        self.watching: asyncio.Task | None = None
        self.watched_sid, self.watch_answered = "", False
        self.voice = VoiceSession(self)

    async def disconnect(self, code):
        """Leave the subscribed groups; stop listening; a held call starts its grace period."""
        await self.leave()
        if getattr(self, "voice", None) is not None:
            await self.voice.close()

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """JSON messages as before; binary frames: the microphone of a supervisor holding a call."""
        if bytes_data is not None:
            if getattr(self, "voice", None) is not None:
                await self.voice.microphone(bytes_data)
            return
        await super().receive(text_data=text_data, bytes_data=bytes_data, **kwargs)

    async def receive_json(self, content, **kwargs):
        """Route a client message to subscribe or to a supervisor action."""
        action = content.get("action") if isinstance(content, dict) else None
        if action == "subscribe":
            await self.subscribe(content.get("target"), str(content.get("call_sid") or ""))
        elif action in ACTIONS:
            await self.act(action, str(content.get("call_sid") or ""), content.get("text") or "")
        elif action in VOICE_ACTIONS:
            call_sid = str(content.get("call_sid") or "")
            if not CALL_SID.match(call_sid):
                await self.send_error("no_such_call", call_sid, action)
                return
            await self.voice.handle(action, call_sid, content.get("text") or "")
        else:
            await self.send_error("unknown_action")

    async def subscribe(self, target: str, call_sid: str):
        """Switch to the wallboard or one call: join its group, then send its snapshot."""
        if target == "wallboard":
            await self.join(WALLBOARD_GROUP)
            snapshot = await database_sync_to_async(wallboard_snapshot)(self.reveal)
            await self.send_json(snapshot)
        elif target == "call" and CALL_SID.match(call_sid):
            await self.join(call_group(call_sid))
            snapshot = await database_sync_to_async(logged_call_snapshot)(
                call_sid, self.reveal, self.user, self.client_address
            )
            if snapshot is None:
                await self.leave()
                await self.send_error("no_such_call", call_sid)
                return
            await self.send_json(snapshot)
            if snapshot["live"]:
                self.watched_sid, self.watch_answered = call_sid, False
                self.watching = asyncio.ensure_future(self.keep_watching(call_sid))
        else:
            await self.send_error("bad_subscription")

    async def act(self, action: str, call_sid: str, text: str):
        """Send a supervisor action to the process holding the call and confirm or refuse it."""
        if not CALL_SID.match(call_sid):
            await self.send_error("no_such_call", call_sid)
            return
        try:
            await send_action(self.user, call_sid, action, str(text), self.client_address)
        except ActionRefused as refused:
            await self.send_error(refused.code, call_sid, action)
            return
        await self.send_json({"type": "action.sent", "action": action, "call_sid": call_sid})

    @property
    def client_address(self) -> str | None:
        """The supervisor's address, for the access log."""
        client = self.scope.get("client") or ("",)
        return valid_address(str(client[0]))

    async def dispatch(self, message):
        """Relay live events without Channels' per-message DB-connection hop: they use no DB.

        The same goes for audio both ways: a listened call's frames and the holder's microphone.
        A client message beyond the socket's budget closes it (4429) before any work is done,
        and stops this consumer: the messages it had already queued are never handled. The
        microphone of a supervisor holding a call (50 frames a second) has its own budget.
        """
        kind = message["type"]
        if kind == "monitor.event":
            await self.monitor_event(message)
        elif kind == "monitor.audio":
            for frame in message["frames"]:
                await self.send(bytes_data=frame)
        elif kind == "websocket.receive" and not self.within_budget(message):
            await self.refuse_flood()
        elif kind == "websocket.receive" and message.get("bytes") is not None:
            await self.receive(bytes_data=message["bytes"])
        else:
            await super().dispatch(message)

    def within_budget(self, message) -> bool:
        """Spend this message from its budget: the microphone's while holding, else the page's."""
        voice = getattr(self, "voice", None)
        if message.get("bytes") is not None and voice is not None and voice.holding_sid:
            return voice.microphone_budget.take()
        return self.budget.take()

    async def refuse_flood(self):
        """Close a socket that sends too many messages, drop its subscriptions and stop."""
        logger.warning(
            "monitor socket of %s closed: more than %d messages at once",
            getattr(self.user, "get_username", lambda: "?")(),
            self.budget.burst,
        )
        await self.close(code=FLOOD_CLOSE_CODE)
        await self.leave()
        raise StopConsumer()

    async def monitor_event(self, message):
        """Forward one live event, with the caller's number masked for this viewer."""
        event = message["event"]
        if event.get("call_sid") == getattr(self, "watched_sid", None):
            self.watch_answered = True  # the holder has our lease: renew at the slow pace
        await self.send_json(mask_message(event, self.reveal))

    async def join(self, group: str):
        """Make this group the only subscription."""
        await self.leave()
        await self.channel_layer.group_add(group, self.channel_name)
        self.subscribed = [group]

    async def keep_watching(self, call_sid: str):
        """Hold a lease on the call's detail stream: ask now, then renew until unsubscribed.

        Until the holder answers (its catch-up is an event of this call) the request is
        repeated every WATCH_RETRY_SECONDS: a page opened before the call's media stream
        started asks a holder that is not listening yet, and the layer keeps no message for
        absent listeners.
        """
        while True:
            try:
                await self.channel_layer.group_send(control_group(call_sid), watch_message())
            except Exception as error:  # the layer is down: the next renewal tries again
                logger.warning("could not ask call %s for its details: %s", call_sid, error)
            stop_if_cancelled()
            await asyncio.sleep(WATCH_RENEW_SECONDS if self.watch_answered else WATCH_RETRY_SECONDS)

    async def leave(self):
        """Drop every subscription (and the lease on a watched call, which then runs out)."""
        if getattr(self, "watching", None) is not None:
            self.watching.cancel()
            self.watching = None
        self.watched_sid = ""
        for group in getattr(self, "subscribed", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.subscribed = []

    async def monitor_voice(self, message):
        """The call's holder answered a take-over or a hand-back."""
        await self.voice.answered(message)

    async def send_error(self, code: str, call_sid: str = "", action: str = ""):
        """Tell the browser why a request was refused."""
        error = {"type": "error", "code": code, "call_sid": call_sid, "action": action}
        await self.send_json(error)
