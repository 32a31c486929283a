"""The caller side of a fake Realtime session: appends, commits, VAD turns, idle timeouts (§4)."""

from __future__ import annotations

import asyncio
import copy

from calls.simulator import realtime_audio as audio
from calls.simulator import realtime_errors as errors
from calls.simulator.realtime_config import turn_detection
from calls.simulator.realtime_errors import RealtimeError
from calls.simulator.realtime_ids import new_id
from calls.simulator.realtime_items import decode_audio
from calls.simulator.realtime_transcription import transcription_events
from calls.simulator.realtime_vad import VadEvent, contains_speech

COMMIT_MINIMUM_MS = 100
# One append may carry at most 15 MiB of audio (SDK docstring): 20 MiB of base64 text.
MAX_APPEND_BYTES = 15 * 1024 * 1024
MAX_APPEND_BASE64 = MAX_APPEND_BYTES // 3 * 4


class CallerTurns:
    """Mixin for `RealtimeSession`: everything the input audio buffer causes.

    Needs `self.input`, `self.heard`, `self.conversation`, `self.config`, `self.script`,
    `self.options`, `self.active`, `emit`, `spawn`, `_start_response` and `_cancel` from the
    session.
    """

    _speech_item_id: str | None = None
    _idle_deadline_ms: float | None = None
    _idle_timeout_ms_armed = 0
    _user_turns = 0

    async def on_input_audio_buffer_append(self, event: dict) -> None:
        """Count and analyse audio; appends are never acknowledged, oversized ones refused."""
        if "audio" not in event:
            raise errors.missing_parameter("audio")
        if isinstance(event["audio"], str) and len(event["audio"]) > MAX_APPEND_BASE64:
            # OpenAI's `string_above_max_length` shape; UNCONFIRMED for this param.
            raise RealtimeError(
                "string_above_max_length",
                "Invalid 'audio': string too long. Expected a string with maximum length "
                f"{MAX_APPEND_BASE64}, but got a string with length {len(event['audio'])} "
                "instead.",
                "audio",
            )
        for decision in self.input.append(decode_audio(event["audio"], "audio")):
            if decision.kind == "speech_started":
                await self._speech_started(decision)
            else:
                await self._speech_stopped(decision)
        await self._check_idle()

    async def on_input_audio_buffer_commit(self, event: dict) -> None:
        """Commit the buffer by hand; at least 100 ms must be buffered.

        Committed silence is transcribed as an empty transcript and uses no caller line.
        """
        if self.input.buffer_ms < COMMIT_MINIMUM_MS:
            raise errors.commit_empty(self.input.buffer_ms)
        data, _ = self.input.take()
        item_id, self._speech_item_id = self._speech_item_id or new_id("item"), None
        await self._commit_user_audio(item_id, data, spoken=self._holds_speech(data))

    async def on_input_audio_buffer_clear(self, event: dict) -> None:
        """Drop the buffer and any speech in progress."""
        self.input.clear()
        self._speech_item_id = None
        await self.emit({"type": "input_audio_buffer.cleared"})

    def _holds_speech(self, data: bytes) -> bool:
        """Tell whether committed audio has a voiced run at the session's VAD threshold."""
        settings = turn_detection(self.config) or {}
        threshold = settings.get("threshold", 0.5)
        fmt = self._input_format()
        return contains_speech(audio.decode(data, fmt), audio.sample_rate(fmt), threshold)

    async def _speech_started(self, decision: VadEvent) -> None:
        """Announce speech; with `interrupt_response` it cancels the active response (§5.1)."""
        self._speech_item_id = new_id("item")
        self._idle_deadline_ms = None
        await self.emit(
            {
                "type": "input_audio_buffer.speech_started",
                "audio_start_ms": decision.audio_ms,
                "item_id": self._speech_item_id,
            }
        )
        if self.active is not None and turn_detection(self.config)["interrupt_response"]:
            await self._cancel(self.active, "turn_detected")

    async def _speech_stopped(self, decision: VadEvent) -> None:
        """End the turn: speech_stopped, commit, user item, then maybe a response (§4.1)."""
        item_id, self._speech_item_id = self._speech_item_id or new_id("item"), None
        await self.emit(
            {
                "type": "input_audio_buffer.speech_stopped",
                "audio_end_ms": decision.audio_ms,
                "item_id": item_id,
            }
        )
        await self._commit_user_audio(item_id, self.input.committed_segment, spoken=True)
        # With interrupt_response off a response may still be running; the server-side
        # auto-response is then skipped rather than reported as an error to the client.
        if turn_detection(self.config)["create_response"] and self.active is None:
            await self._start_response(None)

    async def _commit_user_audio(self, item_id: str, data: bytes, *, spoken: bool) -> None:
        """Turn committed audio into a user item and transcribe it when configured."""
        previous = self.conversation.last_id()
        await self.emit(
            {
                "type": "input_audio_buffer.committed",
                "previous_item_id": previous,
                "item_id": item_id,
            }
        )
        item = {
            "id": item_id,
            "object": "realtime.item",
            "type": "message",
            "status": "completed",
            "role": "user",
            "content": [{"type": "input_audio", "transcript": None}],
        }
        self.conversation.add(item)
        self.conversation.audio[item_id] = bytearray(data)
        self.conversation.input_ms[item_id] = len(data) / audio.bytes_per_ms(self._input_format())
        await self.emit(
            {"type": "conversation.item.added", "previous_item_id": previous, "item": item}
        )
        transcript = ""
        if spoken:
            transcript = self.script.caller_line(self._user_turns)
            self._user_turns += 1
        self.heard[item_id] = transcript
        waits = self.options.user_item_done_waits_for_transcript
        if self.config["audio"]["input"]["transcription"] is not None:
            self.spawn(self._transcribe(item, transcript, send_item_done=waits))
            if waits:
                return
        await self.emit({"type": "conversation.item.done", "item": copy.deepcopy(item)})

    async def _transcribe(self, item: dict, transcript: str, *, send_item_done: bool) -> None:
        """Send transcription deltas and `.completed` after the configured delay (async, §4.1)."""
        await asyncio.sleep(self.options.transcription_delay_ms / 1000)
        settings = self.config["audio"]["input"]["transcription"] or {}
        seconds = self.conversation.input_ms.get(item["id"], 0.0) / 1000
        item["content"][0]["transcript"] = transcript
        for event in transcription_events(item["id"], transcript, settings.get("model"), seconds):
            await self.emit(event)
        if send_item_done:
            await self.emit({"type": "conversation.item.done", "item": copy.deepcopy(item)})

    async def _check_idle(self) -> None:
        """Fire server_vad `idle_timeout_ms` once the audio clock passes the deadline (§4.4).

        The countdown runs on the audio clock from response.done + the response's audio length
        (when the caller has heard it all), because a phone bridge streams audio continuously;
        UNCONFIRMED whether the live service counts wall time instead. `audio_start_ms` is that
        end of playback, so `audio_end_ms - audio_start_ms` is about the timeout (SDK docstring).
        """
        deadline = self._idle_deadline_ms
        if deadline is None or self.active or self.input.in_speech or self.audio_ms < deadline:
            return
        self._idle_deadline_ms = None
        played_until = deadline - self._idle_timeout_ms_armed
        data, _ = self.input.take()
        item_id = new_id("item")
        await self.emit(
            {
                "type": "input_audio_buffer.timeout_triggered",
                "audio_start_ms": round(played_until),
                "audio_end_ms": round(self.audio_ms),
                "item_id": item_id,
            }
        )
        await self._commit_user_audio(item_id, data, spoken=False)
        if turn_detection(self.config)["create_response"]:
            await self._start_response(None, idle=True)

    def _arm_idle(self, played_until_ms: float) -> None:
        """Start the idle countdown from the moment the caller finished hearing the agent."""
        idle_ms = self._idle_timeout_ms()
        if idle_ms is None:
            self._idle_deadline_ms = None
            return
        self._idle_timeout_ms_armed = idle_ms
        self._idle_deadline_ms = played_until_ms + idle_ms

    def _idle_timeout_ms(self) -> int | None:
        """Return server_vad `idle_timeout_ms`, or None when idle detection is off."""
        settings = turn_detection(self.config)
        if settings is None or settings["type"] != "server_vad":
            return None
        return settings["idle_timeout_ms"]

    def _input_format(self) -> dict:
        """Return the session input audio format."""
        return self.config["audio"]["input"]["format"]
