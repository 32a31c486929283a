"""A lightweight Twilio caller for load: many calls in one event loop, stamped frames.

Each call posts the signed /twilio/voice webhook (aiohttp), opens the signed media stream
(raw `websockets`), sends `connected` and `start` with the call_token from the TwiML, then one
`media` every 20 ms on absolute deadlines. Every frame is stamped (bench/stamps.py) with the
call, the frame number and the send time, so the fake can age it on arrival. It plays agent
audio out at 8000 bytes/s and echoes each mark once the audio before it has played (all at once
on `clear`), like Twilio. It talks after the agent finishes, sometimes over the agent (barge-in),
and when its time is up it goes quiet, waits for the agent to finish, sends `stop` and closes.
"""

from __future__ import annotations

import asyncio
import base64
import random
import re
import secrets
import time
from array import array
from collections import deque
from dataclasses import dataclass, field

import aiohttp
import websockets
from twilio.request_validator import RequestValidator
from websockets.exceptions import ConnectionClosed

from bench import stamps
from calls.simulator.caller_audio import SpeechSignal

FRAME_S = 0.020
FRAME_BYTES = 160
SPEECH_POOL_MS = 4000
TOKEN_PATTERN = re.compile(r'<Parameter name="call_token" value="([^"]+)"')


@dataclass(frozen=True)
class Target:
    """Where a call goes: a daphne process (signed webhook + stream) or the bare relay."""

    stream_url: str
    webhook_url: str = ""  # empty: no webhook (the relay)
    public_base_url: str = ""
    public_stream_url: str = ""
    auth_token: str = ""
    account_sid: str = "AC" + "be" * 16


@dataclass(frozen=True)
class Behaviour:
    """How a caller talks."""

    duration_s: float = 30.0
    barge_in_share: float = 0.4  # of agent turns the caller talks over
    drop_ai: bool = False  # ask the fake to cut this call's AI socket once, mid-sentence
    quiet_before_hangup_s: float = 2.5
    max_ending_s: float = 10.0


@dataclass
class Shared:
    """What all calls of a run report into."""

    fake: object = None  # bench.servers.ControlledProcess for the fake AI (drops)
    window_open: bool = False
    outbound_us: array = field(default_factory=lambda: array("q"))
    unstamped_media: int = 0
    http: aiohttp.ClientSession | None = None


def speech_frames(seed: int) -> list[bytes]:
    """A pool of speech-like 20 ms frames at -20 dBFS."""
    audio = SpeechSignal(seed).next(SPEECH_POOL_MS)
    return [audio[i : i + FRAME_BYTES] for i in range(0, len(audio), FRAME_BYTES)]


SILENCE = b"\xff" * FRAME_BYTES


@dataclass
class CallResult:
    """What one call saw; times are time.monotonic()."""

    call_no: int
    call_sid: str = ""
    started_at: float = 0.0
    ended_at: float = 0.0
    frames_sent: int = 0
    media_received: int = 0
    clears: list[float] = field(default_factory=list)
    speech_bursts: int = 0
    barge_ins: int = 0
    drop_at: float | None = None
    reconnect_silence_s: float | None = None
    error: str = ""
    closed_by_server: bool = False


class SimCall:
    """One simulated phone call."""

    def __init__(
        self, call_no: int, target: Target, behaviour: Behaviour, shared: Shared, speech: list
    ):
        self.call_no = call_no
        self.target = target
        self.behaviour = behaviour
        self.shared = shared
        self.speech = speech
        self.rng = random.Random(call_no)
        self.result = CallResult(call_no)
        self.stream_sid = "MZ" + secrets.token_hex(16)
        self.call_sid = "CA" + secrets.token_hex(16)
        self.ws = None
        self.sequence = 0
        self.frame_no = 0
        self.play_end = 0.0
        self.marks: deque[tuple[float, str]] = deque()
        self.last_media_at = 0.0
        self.playback_started = 0.0
        self.heard_since_speech = False
        self.speak_until = 0.0
        self.last_speech_end = 0.0
        self.listen_since = 0.0
        self.barge_this_turn = False
        self.hold_until = 0.0  # no talking while a reconnect is measured
        self.drop_pending = False
        self.drop_task: asyncio.Task | None = None
        self.drop_play_end = 0.0
        self.ending_since: float | None = None
        self.stop_at = 0.0

    # --- set-up ------------------------------------------------------------------------------

    async def answer(self) -> str:
        """POST the signed webhook; return the call_token from the TwiML."""
        params = {
            "CallSid": self.call_sid,
            "AccountSid": self.target.account_sid,
            "From": f"+8210{self.call_no:08d}",
            "To": "+8215880000",
            "CallStatus": "ringing",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }
        validator = RequestValidator(self.target.auth_token)
        signature = validator.compute_signature(
            self.target.public_base_url + "/twilio/voice", params
        )
        async with self.shared.http.post(
            self.target.webhook_url, data=params, headers={"X-Twilio-Signature": signature}
        ) as response:
            body = await response.text()
        match = TOKEN_PATTERN.search(body)
        if response.status != 200 or match is None:
            raise RuntimeError(f"webhook answered {response.status}: {body[:200]}")
        return match.group(1)

    async def connect(self) -> None:
        """Open the media stream and send `connected` + `start`."""
        token = await self.answer() if self.target.webhook_url else ""
        headers = {}
        if self.target.auth_token:
            validator = RequestValidator(self.target.auth_token)
            headers["X-Twilio-Signature"] = validator.compute_signature(
                self.target.public_stream_url, {}
            )
        self.ws = await websockets.connect(
            self.target.stream_url, additional_headers=headers, compression=None
        )
        await self.ws.send('{"event":"connected","protocol":"Call","version":"1.0.0"}')
        self.sequence = 1
        sid, account = self.stream_sid, self.target.account_sid
        await self.ws.send(
            f'{{"event":"start","sequenceNumber":"1","streamSid":"{sid}","start":{{'
            f'"streamSid":"{sid}","accountSid":"{account}","callSid":"{self.call_sid}",'
            f'"tracks":["inbound"],"customParameters":{{"call_token":"{token}"}},'
            '"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}'
        )

    # --- the call ------------------------------------------------------------------------------

    async def run(self, stop_at: float) -> CallResult:
        """Dial, talk until stop_at (or the server hangs up), go quiet, hang up."""
        self.stop_at = stop_at
        self.result.call_sid = self.call_sid
        self.result.started_at = time.monotonic()
        try:
            await self.connect()
        except Exception as error:
            self.result.error = f"dial: {type(error).__name__}: {error}"[:300]
            self.result.ended_at = time.monotonic()
            return self.result
        reader = asyncio.create_task(self.read())
        try:
            await self.send_frames()
        except ConnectionClosed:
            self.result.closed_by_server = True
        finally:
            await self.hang_up()
            await asyncio.gather(reader, return_exceptions=True)
            self.result.ended_at = time.monotonic()
        return self.result

    async def send_frames(self) -> None:
        """One frame every 20 ms on absolute deadlines, until the call is over."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        self.listen_since = time.monotonic()
        while True:
            self.frame_no += 1
            deadline = start + self.frame_no * FRAME_S
            delay = deadline - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            now = time.monotonic()
            await self.echo_due_marks(now)
            if not self.decide(now):
                return
            await self.send_media(self.next_frame(now))

    def decide(self, now: float) -> bool:
        """Move the talking state on; False when it is time to hang up."""
        playing = self.play_end > now
        if now >= self.stop_at:
            if self.ending_since is None:
                self.ending_since = now
            quiet = now - max(self.last_speech_end, self.speak_until) >= (
                self.behaviour.quiet_before_hangup_s
            )
            done = quiet and not playing and now - self.last_media_at >= 1.0
            return not (done or now - self.ending_since >= self.behaviour.max_ending_s)
        if now < self.speak_until or now < self.hold_until:
            return True
        if self.behaviour.drop_ai and self.result.drop_at is None and not self.drop_pending:
            if playing and now - self.last_media_at < 0.05:
                self.drop_pending = True
                self.drop_task = asyncio.create_task(self.drop_ai())
                return True
        if playing and self.barge_this_turn and now - self.playback_started >= 0.6:
            self.barge_this_turn = False
            self.result.barge_ins += 1
            self.talk(now, 0.8)
        elif not playing and self.heard_since_speech and now - self.play_end >= 0.5:
            self.talk(now, self.rng.uniform(1.0, 1.6))
        elif not self.heard_since_speech and now - self.listen_since >= 6.0:
            self.talk(now, 1.0)  # the agent said nothing: say something again
        return True

    def talk(self, now: float, seconds: float) -> None:
        """Start a burst of speech."""
        self.speak_until = now + seconds
        self.last_speech_end = self.speak_until
        self.listen_since = self.speak_until
        self.heard_since_speech = False
        self.result.speech_bursts += 1

    def next_frame(self, now: float) -> bytes:
        """Speech while talking, else silence; stamped with call, frame number and time."""
        source = self.speech[self.frame_no % len(self.speech)] if now < self.speak_until else None
        frame = bytearray(source or SILENCE)
        values = (self.call_no, self.frame_no % (1 << 24), stamps.now_us())
        stamps.write_stamp(frame, values, stamps.INBOUND_FIELDS)
        return bytes(frame)

    async def send_media(self, frame: bytes) -> None:
        """Send one Twilio `media` message."""
        self.sequence += 1
        payload = base64.b64encode(frame).decode("ascii")
        await self.ws.send(
            f'{{"event":"media","sequenceNumber":"{self.sequence}","streamSid":"{self.stream_sid}",'
            f'"media":{{"track":"inbound","chunk":"{self.frame_no}",'
            f'"timestamp":"{self.frame_no * 20}","payload":"{payload}"}}}}'
        )
        self.result.frames_sent += 1

    async def echo_due_marks(self, now: float) -> None:
        """Echo the marks whose audio has played out."""
        while self.marks and self.marks[0][0] <= now:
            _, name = self.marks.popleft()
            await self.send_mark(name)

    async def send_mark(self, name: str) -> None:
        """Send one mark echo."""
        self.sequence += 1
        await self.ws.send(
            f'{{"event":"mark","sequenceNumber":"{self.sequence}","streamSid":"{self.stream_sid}",'
            f'"mark":{{"name":"{name}"}}}}'
        )

    async def hang_up(self) -> None:
        """Send `stop` and close the socket (a caller hanging up)."""
        if self.ws is None:
            return
        self.sequence += 1
        try:
            await self.ws.send(
                f'{{"event":"stop","sequenceNumber":"{self.sequence}",'
                f'"streamSid":"{self.stream_sid}","stop":{{"accountSid":'
                f'"{self.target.account_sid}","callSid":"{self.call_sid}"}}}}'
            )
            await self.ws.close()
        except ConnectionClosed:
            pass

    # --- what the server sends -----------------------------------------------------------------

    async def read(self) -> None:
        """Play agent audio, queue mark echoes, obey `clear`."""
        try:
            async for text in self.ws:
                if text.startswith('{"event":"media"') or '"event": "media"' in text[:20]:
                    self.on_media(text)
                elif '"mark"' in text[:40]:
                    name = text.rsplit('"name":', 1)[1].strip(' "}')
                    self.marks.append((self.play_end, name))
                elif '"clear"' in text[:40]:
                    await self.on_clear()
        except ConnectionClosed:
            pass

    def on_media(self, text: str) -> None:
        """Agent audio: age its stamp, add it to the playout buffer."""
        now = time.monotonic()
        start = text.index('"payload"') + 9
        payload = text[text.index('"', start) + 1 : text.rindex('"')]
        values = stamps.read_b64_stamp(payload, stamps.OUTBOUND_FIELDS)
        age_s = None
        if values is None:
            self.shared.unstamped_media += 1
        else:
            age_us = stamps.age_us(values[1])
            age_s = age_us / 1_000_000
            if self.shared.window_open:
                self.shared.outbound_us.append(age_us)
        if self.result.drop_at is not None and self.result.reconnect_silence_s is None:
            if age_s is not None and now - age_s > self.result.drop_at:  # the new session's
                self.result.reconnect_silence_s = max(0.0, now - self.drop_play_end)
                self.hold_until = 0.0
        if self.play_end <= now:
            self.play_end = now
            self.playback_started = now
            self.barge_this_turn = self.rng.random() < self.behaviour.barge_in_share
        self.play_end += len(payload) * 3 // 4 / 8000
        self.last_media_at = now
        self.heard_since_speech = True
        self.result.media_received += 1

    async def on_clear(self) -> None:
        """Drop buffered audio and echo every pending mark at once."""
        now = time.monotonic()
        self.result.clears.append(now)
        self.play_end = now
        pending, self.marks = self.marks, deque()
        for _, name in pending:
            await self.send_mark(name)

    async def drop_ai(self) -> None:
        """Ask the fake to cut this call's AI socket while the agent is talking."""
        reply = await self.shared.fake.ask("drop", call_no=self.call_no)
        self.drop_pending = False
        if reply.get("dropped"):
            self.result.drop_at = reply["at"]
            self.drop_play_end = max(self.play_end, reply["at"])
            self.hold_until = time.monotonic() + 6.0  # stay quiet: the bridge owes a response
