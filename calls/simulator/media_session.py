"""One open <Connect><Stream>: Twilio's side of the media WebSocket, frames out and playout in."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable

from .playout import Heard, MarkReached, Playout, PlayoutEvent
from .transports import MediaSocket, WebSocketClosed
from .twilio_messages import (
    FRAME_BYTES,
    SERVER_CLOSED,
    ClearBuffer,
    PlaceMark,
    PlayMedia,
    Rejected,
    StreamMessages,
    check_outbound,
)

SILENCE_FRAME = b"\xff" * FRAME_BYTES


class MediaSession:
    """Sends the caller's frames on absolute call-clock deadlines and plays what the server sends.

    A reader task handles server frames as they arrive: validation (31950/31951 once per
    stream), the playout FIFO, mark echoes and clears. The call clock is whatever `clock`
    says; on a virtual clock the only thing that advances it is sending a frame.
    """

    def __init__(
        self,
        socket: MediaSocket,
        messages: StreamMessages,
        clock,
        warn: Callable[[int, str], None],
        log: Callable[[str], None],
    ):
        self.socket = socket
        self.messages = messages
        self.clock = clock
        self._warn = warn
        self._log = log
        self.playout = Playout()
        self.heard: list[tuple[float, bytes]] = []
        self.marks_echoed: list[str] = []
        self.marks_echoed_at: list[tuple[float, str]] = []
        self.clears: list[float] = []
        self.custom_parameters: dict[str, str] = {}
        self.start_ms = clock.now_ms
        self.open = False  # True while Twilio's side may still send on the socket
        self.closed_by_server = False
        self.ended = asyncio.Event()
        self._frames_sent = 0
        self._warned: set[int] = set()
        self._send_lock = asyncio.Lock()
        self._reader: asyncio.Task | None = None
        self._error: BaseException | None = None

    async def start(self, custom_parameters: dict[str, str]) -> None:
        """Send connected and start, then begin reading the server's frames."""
        self.custom_parameters = dict(custom_parameters)
        self.open = True
        await self._send(self.messages.connected())
        await self._send(self.messages.start(custom_parameters))
        self.start_ms = self.clock.now_ms
        self._reader = asyncio.create_task(self._read())

    def next_deadline_ms(self) -> float:
        """Call-clock time at which the next 20 ms frame is due (end of its capture window)."""
        return self.start_ms + (self._frames_sent + 1) * self.messages.frame_ms

    async def send_frames(self, frames: list[bytes]) -> bool:
        """Send frames one per 20 ms of call clock; return False if the stream ended meanwhile."""
        if self.clock.real:
            await self._fill_gap_with_silence()
        for frame in frames:
            if not await self.send_frame(frame):
                return False
        return True

    async def _fill_gap_with_silence(self) -> None:
        # On a real clock the line never went quiet while the test was busy elsewhere:
        # send the silence Twilio would have sent for every frame window already past.
        while self.open and self.next_deadline_ms() + self.messages.frame_ms <= self.clock.now_ms:
            await self.send_frame(SILENCE_FRAME)

    async def send_frame(self, frame: bytes) -> bool:
        """Send one media frame at its deadline, then play out up to now."""
        self.raise_reader_error()
        if not self.open:
            return False
        await self.clock.wait_until(self.next_deadline_ms())
        try:
            await self._send(self.messages.media(frame))
        except WebSocketClosed:
            await self.ended.wait()  # the reader is about to see the close
            return False
        self._frames_sent += 1
        await self.play_until_now()
        await asyncio.sleep(0)  # let the reader handle whatever the server sent meanwhile
        return self.open

    async def send_dtmf(self, digit: str) -> None:
        """Send one keypress between frames."""
        self.raise_reader_error()
        if self.open:
            await self._send(self.messages.dtmf(digit))

    async def play_until_now(self) -> None:
        """Bring playout up to the current call-clock time."""
        await self._apply(self.playout.advance(self.clock.now_ms))

    async def stop(self, code: int = 1000) -> None:
        """Caller hang-up: send stop, then close the socket."""
        if not self.open:
            return
        await self.play_until_now()
        self.open = False
        async with self._send_lock:
            with contextlib.suppress(WebSocketClosed):
                await self.socket.send_text(json.dumps(self.messages.stop()))
        await self._stop_reader()
        await self.socket.close(code)
        self._log(f"stop sent, socket closed with {code}")
        self.ended.set()

    async def release(self) -> None:
        """Clean up after the server closed the socket (reader already finished)."""
        await self._stop_reader()
        await self.socket.close()

    async def _stop_reader(self) -> None:
        if self._reader and not self._reader.done():
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    def raise_reader_error(self) -> None:
        """Re-raise, in the caller's task, a failure inside the reader task."""
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    async def _send(self, message: dict) -> None:
        # One lock so that sequenceNumbers leave in the order they were assigned.
        async with self._send_lock:
            await self.socket.send_text(json.dumps(message))

    async def _read(self) -> None:
        try:
            while (frame := await self.socket.receive()) is not None:
                await self._handle(frame)
        except Exception as exc:  # surfaced to the caller by raise_reader_error
            self._error = exc
        if self.open:
            await self._on_server_close()
        self.ended.set()

    async def _on_server_close(self) -> None:
        # What had played by now was heard; Twilio ends <Connect> and drops the rest.
        events = self.playout.advance(self.clock.now_ms)
        self.open = False
        self.closed_by_server = True
        await self._apply(events)
        dropped = self.playout.buffered_ms
        code = self.socket.close_code
        self._warn(
            SERVER_CLOSED, f"server closed the stream (code {code}); {dropped:.0f} ms unplayed"
        )

    async def _handle(self, frame: str | bytes) -> None:
        action = check_outbound(frame, self.messages.stream_sid)
        now = self.clock.now_ms
        if isinstance(action, Rejected):
            self._warn_once(action.code, action.reason)
        elif isinstance(action, PlayMedia):
            await self._apply(self.playout.enqueue_audio(action.audio, now))
        elif isinstance(action, PlaceMark):
            await self._apply(self.playout.enqueue_mark(action.name, now))
        elif isinstance(action, ClearBuffer):
            self.clears.append(now)
            dropped = self.playout.buffered_ms
            await self._apply(self.playout.clear(now))
            self._log(f"clear at {now / 1000:.2f}s dropped {dropped:.0f} ms")

    async def _apply(self, events: list[PlayoutEvent]) -> None:
        for event in events:
            if isinstance(event, Heard):
                self.heard.append((event.at_ms, event.audio))
            elif isinstance(event, MarkReached) and self.open:
                with contextlib.suppress(WebSocketClosed):
                    await self._send(self.messages.mark(event.name))
                self.marks_echoed.append(event.name)
                self.marks_echoed_at.append((event.at_ms, event.name))

    def _warn_once(self, code: int, reason: str) -> None:
        # Twilio raises 31950/31951 at most once per stream (reference §4.4), and drops the frame.
        if code not in self._warned:
            self._warned.add(code)
            self._warn(code, reason)
