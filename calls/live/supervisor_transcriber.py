"""The supervisor's words as text: a second Realtime session that only transcribes.

The call's own session cannot take the supervisor's audio as a second input: it has one input
buffer, so the two voices would mix into one user turn and the model would answer a speaker it
cannot tell apart. While a supervisor holds a call, the caller's audio keeps going to the call's
session (its transcript keeps flowing), and the supervisor's microphone goes to this session:
server VAD cuts it into turns, `create_response` is off so it never answers, and each finished
turn's transcription (`conversation.item.input_audio_transcription.completed`) is one
`supervisor` utterance. It exists only while a supervisor holds the call.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from calls.live.protocol import realtime as rt
from calls.live.realtime_client import RealtimeEndpoint, RealtimeUnavailable, connect

logger = logging.getLogger("calls.live.bridge")

FLUSH_SECONDS = 1.5  # at hand-back, how long a turn in progress may take to be transcribed
INSTRUCTIONS = "Transcribe only. Never answer."


def transcriber_session(language: str) -> dict:
    """A session that transcribes 8 kHz mu-law turns and makes no responses."""
    return {
        "type": "realtime",
        "instructions": INSTRUCTIONS,
        "output_modalities": ["text"],
        "audio": {
            "input": {
                "format": {"type": "audio/pcmu"},
                "transcription": {"model": "gpt-4o-transcribe", "language": language},
                "turn_detection": {
                    "type": "server_vad",
                    "create_response": False,
                    "interrupt_response": False,
                },
            }
        },
    }


class SupervisorTranscriber:
    """One take-over's transcription session: append audio, get finished turns back."""

    def __init__(
        self,
        endpoint: RealtimeEndpoint,
        language: str,
        on_turn: Callable[[str, str, int | None], None],
        clock: Callable[[], int],
    ):
        self.endpoint = endpoint
        self.language = language
        self.on_turn = on_turn  # (item_id, text, started_ms)
        self.clock = clock  # ms since the call started
        self.socket = None
        self.ready = asyncio.Event()
        self.idle = asyncio.Event()  # no turn is waiting for its transcript
        self.idle.set()
        self.started: dict[str, int] = {}
        self.speaking = False

    async def run(self) -> None:
        """Connect, configure, then read until closed; failures are logged, never fatal."""
        try:
            self.socket = await connect(self.endpoint)
            await self.socket.send(rt.session_update(transcriber_session(self.language), "sv1"))
            async for message in self.socket:
                self.handle(message)
        except RealtimeUnavailable as error:
            logger.warning("supervisor transcription unavailable: %s", error)
        except Exception:  # the transcript is a record: the call and the take-over go on
            logger.exception("supervisor transcription failed")
        finally:
            self.ready.set()
            self.idle.set()
            if self.socket is not None:
                await self.socket.close()

    def handle(self, message: str | bytes) -> None:
        """One event of the transcription session."""
        try:
            event = rt.parse_server_event(message)
        except rt.MalformedServerEvent:
            return
        if isinstance(event, rt.SessionUpdated):
            self.ready.set()
        elif isinstance(event, rt.SpeechStarted):
            self.speaking = True
            self.idle.clear()
            self.started[event.item_id] = self.clock()
        elif isinstance(event, rt.SpeechStopped):
            self.speaking = False
        elif isinstance(event, rt.CallerTranscriptDone | rt.CallerTranscriptFailed):
            text = getattr(event, "transcript", "").strip()
            if text:
                self.on_turn(event.item_id, text, self.started.pop(event.item_id, None))
            if not self.speaking:
                self.idle.set()
        elif isinstance(event, rt.ErrorEvent) and not event.benign:
            logger.warning("supervisor transcription error %s: %s", event.code, event.message)

    async def append(self, payload_b64: str) -> None:
        """Send 20 ms of the supervisor's mu-law (dropped until the session is configured)."""
        if self.socket is None or not self.ready.is_set():
            return
        try:
            await self.socket.send(rt.audio_append(payload_b64))
        except Exception:  # closed: run() logs why
            self.socket = None

    async def finish(self) -> None:
        """End the take-over's transcription: commit a turn in progress and await its text."""
        if self.socket is not None and self.speaking:
            self.speaking = False
            try:
                await self.socket.send('{"type":"input_audio_buffer.commit"}')
            except Exception:
                pass
        try:
            await asyncio.wait_for(self.idle.wait(), FLUSH_SECONDS)
        except TimeoutError:
            logger.info("a supervisor turn was not transcribed before the hand-back")
