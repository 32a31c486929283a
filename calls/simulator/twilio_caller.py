"""The simulated Twilio caller: places one call against our server and plays Twilio's part of it.

Usage (see the reference, /work/shared/protocols/twilio-media-streams.md §5):

    caller = TwilioCaller(base_url="http://127.0.0.1:8080", auth_token=token)
    call = await caller.dial()
    await call.send_speech(1200)
    await call.wait_for(lambda c: c.heard_ms > 500, timeout=5)
    result = await call.hang_up()
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from .call_flow import CallFailed, CallFlow, StreamStep
from .caller_audio import SpeechSignal, frames, silence
from .clock import make_clock
from .media_session import SILENCE_FRAME, MediaSession
from .transports import HandshakeRefused, NetworkTransport, Transport
from .twilio_messages import HANDSHAKE_FAILED, StreamMessages
from .twilio_requests import USER_AGENT, Router, new_sid, sign
from .twiml import TwimlError, check_stream_url

__all__ = ["CallFailed", "CallResult", "StreamEnded", "TwilioCall", "TwilioCaller"]

HANDSHAKE_FAIL_BEHAVIORS = ("next_verb", "action", "hangup")
POST_CLOSE_BEHAVIORS = ("next_verb", "hangup")


class StreamEnded(Exception):
    """The media stream is not open, so the caller cannot talk or wait on it."""


@dataclass
class CallResult:
    """How the call ended, as Twilio would report it."""

    verbs: list[tuple]  # TwiML verbs followed after the stream, e.g. ("Say", text, attrs)
    ended_by: str  # "caller" | "server"
    duration_s: int  # CallDuration sent in the status callback
    status_callback_status: int | None  # HTTP status of the status callback (None if not sent)
    outcome: str = "completed"  # or "transferred" after <Dial>
    transferred_to: str | None = None
    whisper: list[tuple] = field(default_factory=list)  # TwiML the human agent heard first
    warnings: list[tuple[int, str]] = field(default_factory=list)


class TwilioCaller:
    """Configuration for simulated calls to one server; `dial()` places a call."""

    def __init__(
        self,
        base_url: str,
        public_base_url: str | None = None,
        auth_token: str = "",
        account_sid: str | None = None,
        from_number: str = "+821012345678",
        to_number: str = "+8215880000",
        clock: str = "virtual",
        transport: Transport | None = None,
        voice_path: str = "/twilio/voice",
        status_callback_path: str | None = "/twilio/status",
        *,
        voice_method: str = "POST",
        handshake_fail_behavior: str = "next_verb",
        post_close_behavior: str = "next_verb",
        allow_ws: bool = True,
        say_ms_per_char: float = 80.0,
        http_timeout_s: float = 15.0,
        virtual_speed: float | None = None,
        on_log: Callable[[float, str], None] | None = None,
    ):
        if handshake_fail_behavior not in HANDSHAKE_FAIL_BEHAVIORS:
            raise ValueError(f"handshake_fail_behavior must be one of {HANDSHAKE_FAIL_BEHAVIORS}")
        if post_close_behavior not in POST_CLOSE_BEHAVIORS:
            raise ValueError(f"post_close_behavior must be one of {POST_CLOSE_BEHAVIORS}")
        make_clock(clock)  # fail now, not at dial time, on a bad clock name
        self.router = Router(base_url, public_base_url)
        self.auth_token = auth_token
        self.account_sid = account_sid or new_sid("AC")
        self.from_number = from_number
        self.to_number = to_number
        self.clock = clock
        self.virtual_speed = virtual_speed
        self.transport = transport or NetworkTransport(timeout_s=http_timeout_s)
        self.voice_path = voice_path
        self.status_callback_path = status_callback_path
        self.voice_method = voice_method.upper()
        self.handshake_fail_behavior = handshake_fail_behavior
        self.post_close_behavior = post_close_behavior
        self.allow_ws = allow_ws
        self.say_ms_per_char = say_ms_per_char
        self.http_timeout_s = http_timeout_s
        self.on_log = on_log

    async def dial(self) -> TwilioCall:
        """Place the call: voice webhook, TwiML up to <Connect><Stream>, then connected + start."""
        call = TwilioCall(self)
        await call._place()
        return call


class TwilioCall:
    """One call in progress, from the caller's (Twilio's) side."""

    def __init__(self, caller: TwilioCaller):
        self._caller = caller
        self._clock = make_clock(caller.clock, caller.virtual_speed)
        self.call_sid = new_sid("CA")
        self.warnings: list[tuple[int, str]] = []
        self.log: list[tuple[float, str]] = []
        self.result: CallResult | None = None
        self._flow = CallFlow(
            router=caller.router,
            transport=caller.transport,
            clock=self._clock,
            auth_token=caller.auth_token,
            account_sid=caller.account_sid,
            call_sid=self.call_sid,
            from_number=caller.from_number,
            to_number=caller.to_number,
            say_ms_per_char=caller.say_ms_per_char,
            http_timeout_s=caller.http_timeout_s,
            log=self._log,
            warn=self._warn,
        )
        self._session: MediaSession | None = None
        self._step: StreamStep | None = None
        self._stream_verb_index = 0
        self._speech = SpeechSignal()

    # -- what the caller observed --------------------------------------------------------

    @property
    def account_sid(self) -> str:
        """The AccountSid sent on every request."""
        return self._caller.account_sid

    @property
    def stream_sid(self) -> str | None:
        """The MZ… SID of the media stream, once it started."""
        return self._session.messages.stream_sid if self._session else None

    @property
    def now_ms(self) -> float:
        """Call-clock time in ms since the call was answered."""
        return self._clock.now_ms

    @property
    def heard(self) -> list[tuple[float, bytes]]:
        """Audio the caller heard: (call-clock ms it started playing, mu-law bytes)."""
        return self._session.heard if self._session else []

    @property
    def heard_ms(self) -> float:
        """Total milliseconds of server audio the caller heard."""
        return sum(len(audio) for _, audio in self.heard) / 8

    @property
    def marks_echoed(self) -> list[str]:
        """Mark names echoed back to the server, in echo order."""
        return self._session.marks_echoed if self._session else []

    @property
    def marks_echoed_at(self) -> list[tuple[float, str]]:
        """(call-clock ms, name) for each echoed mark: when playout reached it."""
        return self._session.marks_echoed_at if self._session else []

    @property
    def clears(self) -> list[float]:
        """Call-clock times at which a clear arrived."""
        return self._session.clears if self._session else []

    @property
    def buffered_ms(self) -> float:
        """Server audio queued but not yet played."""
        return self._session.playout.buffered_ms if self._session else 0.0

    @property
    def streaming(self) -> bool:
        """True while the media stream is open."""
        return bool(self._session and self._session.open)

    @property
    def server_closed(self) -> bool:
        """True once the server closed the media stream."""
        return bool(self._session and self._session.closed_by_server)

    @property
    def verbs_before_stream(self) -> list[tuple]:
        """TwiML verbs followed up to and including <Connect> (all of them if no stream opened)."""
        return self._flow.followed[: self._stream_verb_index or None]

    # -- placing the call ----------------------------------------------------------------

    async def _place(self) -> None:
        url = self._caller.router.public(self._caller.voice_path)
        verbs = await self._flow.fetch_twiml(url, self._caller.voice_method, "ringing")
        step = await self._flow.run(verbs, url, allow_stream=True)
        while step is not None:
            if await self._open_stream(step):
                return
            behavior = self._caller.handshake_fail_behavior
            if behavior == "hangup":
                break
            if behavior == "action":
                await self._flow.after_connect(step)
                break
            step = await self._flow.run(step.rest, step.document_url, allow_stream=True)
        await self._end("server")

    async def _open_stream(self, step: StreamStep) -> bool:
        stream = step.stream
        try:
            check_stream_url(stream.url, allow_ws=self._caller.allow_ws)
        except TwimlError as exc:
            raise CallFailed(str(exc)) from exc
        stream_sid = new_sid("MZ")
        # §2.4: HMAC-SHA1 over the URL exactly as written in the TwiML, with no parameters.
        headers = {
            "X-Twilio-Signature": sign(self._caller.auth_token, stream.url, {}),
            "User-Agent": USER_AGENT,
        }
        try:
            socket = await self._caller.transport.open_websocket(
                self._caller.router.route(stream.url), headers
            )
        except HandshakeRefused as exc:
            self._warn(HANDSHAKE_FAILED, f"{stream.url}: {exc}")
            await self._flow.post_stream_event(step, stream_sid, "stream-error", str(exc))
            return False
        messages = StreamMessages(stream_sid, self.account_sid, self.call_sid)
        self._session = MediaSession(socket, messages, self._clock, self._warn, self._log)
        self._step = step
        self._stream_verb_index = len(self._flow.followed)
        await self._session.start(stream.parameters)
        self._log(f"stream {stream_sid} started at {stream.url} with {stream.parameters}")
        await self._flow.post_stream_event(step, stream_sid, "stream-started")
        return True

    # -- talking -------------------------------------------------------------------------

    async def send_silence(self, ms: int) -> None:
        """Send ms of silence (0xFF) in 20 ms frames."""
        await self._send(frames(silence(ms)))

    async def send_speech(self, ms: int, level_dbfs: float = -20.0) -> None:
        """Send ms of speech-like audio at level_dbfs RMS."""
        await self._send(frames(self._speech.next(ms, level_dbfs)))

    async def send_audio(self, ulaw: bytes) -> None:
        """Send arbitrary mu-law, chopped into 160-byte frames (the last padded with silence)."""
        await self._send(frames(ulaw))

    async def send_dtmf(self, digit: str) -> None:
        """Press a key: one dtmf message between media frames."""
        await self._live_session().send_dtmf(digit)

    async def _send(self, frame_list: list[bytes]) -> None:
        # After the server closes the stream the caller is still on the line but no longer
        # streamed, so talking is a no-op rather than an error.
        await self._live_session().send_frames(frame_list)

    def _live_session(self) -> MediaSession:
        session = self._session
        if session is None:
            raise StreamEnded("no media stream was opened on this call")
        if self.result is not None and self.result.ended_by == "caller":
            raise StreamEnded("the caller already hung up")
        return session

    # -- waiting and ending --------------------------------------------------------------

    async def wait_for(
        self,
        predicate: Callable[[TwilioCall], bool],
        # Public API takes a real-seconds timeout because the call clock may be virtual.
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> None:
        """Send silence frames until predicate(call) holds; timeout is in real seconds."""
        session = self._live_session()
        try:
            async with asyncio.timeout(timeout):
                while not predicate(self):
                    if not session.open:
                        session.raise_reader_error()
                        raise StreamEnded(
                            f"stream ended at {self.now_ms:.0f} ms before the condition held"
                        )
                    await session.send_frames([SILENCE_FRAME])
        except TimeoutError as exc:
            raise TimeoutError(
                f"condition not met within {timeout:g} s (call clock {self.now_ms:.0f} ms)"
            ) from exc

    async def wait_until_ended(self, timeout: float = 30.0) -> CallResult:  # noqa: ASYNC109
        """Keep the line open until the server closes the stream, then finish as Twilio does."""
        if self.result is not None:
            return self.result
        session = self._live_session()
        try:
            async with asyncio.timeout(timeout):
                while session.open:
                    await session.send_frames([SILENCE_FRAME])
        except TimeoutError as exc:
            raise TimeoutError(
                f"server did not close the stream within {timeout:g} s "
                f"(call clock {self.now_ms:.0f} ms)"
            ) from exc
        return await self._finish_after_server_close()

    async def hang_up(self) -> CallResult:
        """Caller hangs up: stop, close (1000), stream-stopped, then the status callback."""
        if self.result is not None:
            return self.result
        session = self._live_session()
        if session.closed_by_server:
            return await self._finish_after_server_close()
        session.raise_reader_error()
        await session.stop(1000)
        await self._post_stream_stopped()
        return await self._end("caller")

    async def _finish_after_server_close(self) -> CallResult:
        session, step = self._session, self._step
        assert session is not None and step is not None
        session.raise_reader_error()
        await session.release()
        await self._post_stream_stopped()
        if step.connect.action or self._caller.post_close_behavior == "next_verb":
            await self._flow.after_connect(step)
        return await self._end("server")

    async def _post_stream_stopped(self) -> None:
        assert self._step is not None and self.stream_sid is not None
        await self._flow.post_stream_event(self._step, self.stream_sid, "stream-stopped")

    async def _end(self, ended_by: str) -> CallResult:
        duration_s = int(self.now_ms / 1000 + 0.5)
        path = self._caller.status_callback_path
        url = self._caller.router.public(path) if path else None
        status = await self._flow.post_status_callback(url, duration_s)
        after = self._flow.followed[self._stream_verb_index :] if self._session else []
        self.result = CallResult(
            verbs=after,
            ended_by=ended_by,
            duration_s=duration_s,
            status_callback_status=status,
            outcome=self._flow.outcome,
            transferred_to=self._flow.transferred_to,
            whisper=list(self._flow.whisper),
            warnings=list(self.warnings),
        )
        self._log(f"call {self._flow.outcome}, ended by {ended_by} after {duration_s} s")
        return self.result

    def _log(self, text: str) -> None:
        self.log.append((self.now_ms, text))
        if self._caller.on_log:
            self._caller.on_log(self.now_ms, text)

    def _warn(self, code: int, message: str) -> None:
        self.warnings.append((code, message))
        self._log(f"warning {code}: {message}")
