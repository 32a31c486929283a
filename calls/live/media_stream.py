"""MediaStreamConsumer: Twilio's media stream, a thin adapter in front of the call bridge."""

from __future__ import annotations

import asyncio
import logging

from autobahn.exception import Disconnected
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings

from arsproject.memory_upkeep import process_upkeep
from calls.live.bridge import BridgeSettings, CallBridge
from calls.live.greeting_cache import cache_for
from calls.live.protocol.twilio import (
    Connected,
    Dtmf,
    InvalidTwilioMessage,
    Mark,
    Media,
    Start,
    Stop,
    is_valid_sid,
    parse_twilio_message,
)
from calls.live.realtime_client import RealtimeEndpoint
from calls.live.stream_guard import StreamClock, early_sessions
from calls.live.tool_calls import ToolContext
from calls.live.twilio_signature import TwilioNotConfigured, signature_is_valid
from calls.monitoring.live_audio import ListenOutlet
from calls.monitoring.live_events import WATCH_LEASE_SECONDS, control_group
from calls.operations import metrics
from calls.operations.log_context import tag_this_task
from calls.records import services
from calls.records.call_log import CallLog

logger = logging.getLogger(__name__)

REFUSED_CLOSE_CODE = 4008  # daphne can send only 1000 or 3000-4999
NOT_CONFIGURED_CLOSE_CODE = 4503
LISTENER_STOP_SECONDS = 2.0


def bridge_settings() -> BridgeSettings:
    """The bridge's settings from Django's (the default model; a call may choose another)."""
    return BridgeSettings(
        endpoint=RealtimeEndpoint(
            settings.OPENAI_REALTIME_URL, settings.OPENAI_API_KEY, settings.OPENAI_REALTIME_MODEL
        ),
        audio_format=settings.OPENAI_AUDIO_FORMAT,
        max_retry_count=settings.MAX_RETRY_COUNT,
        tools=ToolContext(tuple(settings.TOOL_ALLOWED_HOSTS), settings.IS_PRODUCTION),
        greetings=cache_for(settings.GREETING_CACHE_DIR),
        human_agent_number=settings.HUMAN_AGENT_NUMBER,
    )


class MediaStreamConsumer(AsyncWebsocketConsumer):
    """One Twilio media stream: verifies it, then moves frames between Twilio and the bridge."""

    bridge: CallBridge | None = None
    call_log: CallLog | None = None
    stream_sid = ""
    frames_after_close = 0
    clock: StreamClock | None = None
    holds_early_session = False
    start_deadline: asyncio.Future | None = None
    refused = False

    async def __call__(self, scope, receive, send):
        """Run with a tight loop for Twilio's frames and a separate listener for the layer.

        Channels' generic loop creates a future per message and dies if the channel layer
        raises (Redis down), which would drop the call. Here Twilio's frames are read in a
        plain loop, and supervisor messages come from a listener task, started once the call
        is verified, that survives an unreachable layer and rejoins the control group when it
        returns. Creating the channel and joining happen in that task, so a slow or absent
        Redis never holds up the call.
        """
        self.scope = scope
        self.base_send = send
        self.log_tag = tag_this_task()  # before any task of this call starts
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = ""
        self.pending_group = ""
        self.control_group_name = ""
        self.listener: asyncio.Future | None = None
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass
        finally:
            self.verified_or_gone()  # also when daphne cancels us without a disconnect
            await self.stop_listening()

    def listen_for_supervisors(self, call_sid: str) -> None:
        """Join control.call.<CallSid> and deliver its messages, in a task of this call."""
        if self.channel_layer is None:
            return
        self.control_group_name = self.pending_group = control_group(call_sid)
        self.listener = asyncio.ensure_future(self.listen_to_layer())

    async def stop_listening(self) -> None:
        """Cancel the listener; its receive() then leaves the layer (unsubscribes) on its own.

        Teardown waits for that at most LISTENER_STOP_SECONDS: an unreachable Redis must not
        hold up the end of a call.
        """
        if self.listener is None:
            return
        self.listener.cancel()
        await asyncio.wait([self.listener], timeout=LISTENER_STOP_SECONDS)

    async def listen_to_layer(self) -> None:
        """Deliver channel-layer messages; back off and retry while the layer is unreachable."""
        failures = 0
        while True:
            try:
                if not self.channel_name:
                    self.channel_name = await self.channel_layer.new_channel()
                if self.pending_group:
                    await self.channel_layer.group_add(self.pending_group, self.channel_name)
                    self.pending_group = ""
                message = await self.channel_layer.receive(self.channel_name)
            except Exception as error:  # Redis down or slow: the call must go on
                failures += 1
                self.pending_group = self.control_group_name  # a restarted Redis forgot it
                if failures == 1:
                    logger.warning("channel layer unreachable, supervisor actions wait: %s", error)
                await asyncio.sleep(min(5.0, 0.5 * failures))
                continue
            if failures:
                logger.info("channel layer reachable again")
                failures = 0
            await self.dispatch(message)

    async def connect(self):
        """Accept only an upgrade Twilio signed over TWILIO_STREAM_ENDPOINT."""
        headers = dict(self.scope.get("headers", []))
        signature = headers.get(b"x-twilio-signature", b"").decode("latin-1")
        try:
            valid = signature_is_valid(settings.TWILIO_STREAM_ENDPOINT, {}, signature)
        except TwilioNotConfigured:
            logger.error("media stream refused: TWILIO_AUTH_TOKEN is not set")
            await self.close(code=NOT_CONFIGURED_CLOSE_CODE)
            return
        if not valid:
            logger.warning("media stream refused: missing or wrong X-Twilio-Signature")
            await self.close(code=REFUSED_CLOSE_CODE)
            return
        await self.accept()
        process_upkeep().keep_running()  # calls leave cyclic garbage: collect it on a schedule
        self.bridge = CallBridge(bridge_settings(), self.send_text, self.close_stream)
        self.start_deadline = asyncio.ensure_future(
            self.require_start(settings.STREAM_START_SECONDS)
        )
        self.holds_early_session = early_sessions.take(settings.MAX_UNVERIFIED_STREAMS)
        if self.holds_early_session:
            self.bridge.open_realtime()  # default model; begin() switches if the call's differs

    async def require_start(self, seconds: float) -> None:
        """Close a stream that has not sent `start` within `seconds` of its upgrade."""
        await asyncio.sleep(seconds)
        await self.refuse(f"no start within {seconds:g} s")

    def verified_or_gone(self) -> None:
        """The stream is verified or closed: stop its start deadline, free its early slot."""
        if self.start_deadline is not None and self.start_deadline is not asyncio.current_task():
            self.start_deadline.cancel()
        self.start_deadline = None
        if self.holds_early_session:
            self.holds_early_session = False
            early_sessions.give_back()

    async def dispatch(self, message):
        """Frames skip Channels' per-handler DB-connection cleanup (a thread hop per frame).

        So does the microphone of a supervisor holding the call (50 frames a second).
        """
        if message["type"] == "websocket.receive":
            await self.on_frame(message.get("text"), message.get("bytes"))
        elif message["type"] == "call.voice.audio":
            if self.call_log is not None:
                for frame in message["frames"]:
                    await self.bridge.voice.supervisor_audio(message.get("actor_id"), frame)
        else:
            await super().dispatch(message)

    async def on_frame(self, text: str | None, data: bytes | None) -> None:
        """Route one Twilio frame; bad frames are counted and dropped, the call goes on."""
        if text is None:
            self.bridge.on_bad_frame("binary frame")
            return
        try:
            message = parse_twilio_message(text)
        except InvalidTwilioMessage as error:
            self.bridge.on_bad_frame(error.reason)
            return
        if isinstance(message, Media) and self.ours(message.stream_sid):
            timestamp_ms = self.clock.clamp(message.timestamp_ms, message.payload)
            await self.bridge.on_caller_audio(message.payload, timestamp_ms)
        elif isinstance(message, Start):
            await self.start_call(message)
        elif isinstance(message, Connected):
            return
        elif not self.ours(message.stream_sid):
            self.bridge.on_bad_frame(
                f"{type(message).__name__.lower()} before start or for another stream"
            )
        elif isinstance(message, Mark):
            await self.bridge.on_mark(message.name)
        elif isinstance(message, Dtmf):
            await self.bridge.on_dtmf(message.digit)
        elif isinstance(message, Stop):
            await self.close_stream()

    def ours(self, stream_sid: str) -> bool:
        """Whether a frame belongs to this stream (after a verified start)."""
        return bool(self.stream_sid) and stream_sid == self.stream_sid

    async def start_call(self, start: Start) -> None:
        """Verify token and sids against the call row (the only DB read before audio flows)."""
        if self.stream_sid:
            self.bridge.on_bad_frame("second start")
            return
        if self.refused:
            return  # closing already (the start deadline passed)
        if self.start_deadline is not None:
            self.start_deadline.cancel()  # a start came: the database decides now
        if not is_valid_sid(start.stream_sid, "MZ"):
            await self.refuse("malformed streamSid")
            return
        if settings.TWILIO_ACCOUNT_SID and start.account_sid != settings.TWILIO_ACCOUNT_SID:
            await self.refuse("accountSid is not ours")
            return
        try:
            claimed = await database_sync_to_async(services.claim_stream)(
                start.call_sid,
                start.account_sid,
                start.custom_parameters.get("call_token", ""),
                start.stream_sid,
            )
        except services.StreamRefused as error:
            await self.refuse(str(error))
            return
        self.stream_sid = start.stream_sid
        self.clock = StreamClock()
        opened_early = self.holds_early_session
        self.verified_or_gone()
        if not opened_early:
            self.bridge.open_realtime()
        self.log_tag.sid = claimed.call_sid  # every log line of this call's tasks names it
        self.call_log = CallLog(claimed)
        if self.channel_layer is not None:
            self.bridge.voice.outlet = ListenOutlet(claimed.call_sid, self.channel_layer)
        self.listen_for_supervisors(claimed.call_sid)
        await self.bridge.begin(start.stream_sid, claimed.config, self.call_log)

    async def refuse(self, reason: str) -> None:
        """Close a stream that is not one of our calls."""
        logger.warning("media stream refused: %s", reason)
        self.refused = True
        self.verified_or_gone()
        await self.close(code=REFUSED_CLOSE_CODE)

    async def call_control(self, message: dict) -> None:
        """A supervisor action for this call (from control.call.<CallSid>)."""
        if self.bridge is not None and self.call_log is not None:
            await self.bridge.on_control(
                message.get("action", ""), message.get("text", ""), message.get("actor_name", "")
            )

    async def call_watch(self, message: dict) -> None:
        """A supervisor watches this call: publish its detail stream for the lease's seconds."""
        if self.call_log is not None:
            seconds = message.get("seconds")
            if isinstance(seconds, int | float) and not isinstance(seconds, bool):
                self.call_log.watch(min(float(seconds), WATCH_LEASE_SECONDS))

    async def call_listen(self, message: dict) -> None:
        """A supervisor listens (or stops): publish this call's audio under the lease."""
        seconds = message.get("seconds")
        listener = message.get("listener")
        if self.call_log is None or not isinstance(listener, str) or not listener:
            return
        if isinstance(seconds, int | float) and not isinstance(seconds, bool):
            await self.bridge.voice.listen(
                listener, float(seconds), message.get("actor_id"), message.get("actor_name", "")
            )

    async def call_voice(self, message: dict) -> None:
        """A supervisor takes the call over, hands it back, or lost the socket holding it."""
        if self.call_log is None:
            return
        voice, op = self.bridge.voice, message.get("op")
        actor_id, name = message.get("actor_id"), str(message.get("actor_name", ""))
        reply_to = str(message.get("reply_to") or "")
        if op == "take_over":
            await voice.take_over(actor_id, name, reply_to)
        elif op == "hand_back":
            await voice.hand_back(actor_id, name, str(message.get("text") or ""), reply_to=reply_to)
        elif op == "holder_lost":
            voice.holder_lost(actor_id)

    async def send_text(self, text: str) -> None:
        """Hot path: hand a frame straight to the server (skips the generic send's checks).

        Between the caller's close and daphne's disconnect message the socket refuses frames;
        they have nowhere to go, and the disconnect that follows tears the call down.
        """
        try:
            await self.base_send({"type": "websocket.send", "text": text})
        except Disconnected:
            self.frames_after_close += 1
            if self.frames_after_close == 1:
                logger.info("Twilio socket closing: frames to the caller are dropped")

    async def close_stream(self) -> None:
        """Close Twilio's socket; Twilio then asks /twilio/connect-action what to do."""
        await self.close()

    async def disconnect(self, code):
        """Either side closed: tear the bridge down and leave the control group."""
        self.verified_or_gone()
        if self.bridge is not None:
            await self.bridge.close()
            metrics.record_finished(self.bridge)
        if self.call_log is not None and self.channel_name:
            try:
                await self.channel_layer.group_discard(
                    control_group(self.call_log.call.call_sid), self.channel_name
                )
            except Exception:
                logger.warning("could not leave the control group")
