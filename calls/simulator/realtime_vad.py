"""Energy-based voice activity detection on the session audio clock (server_vad / semantic_vad)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calls.simulator.realtime_audio import rms_dbfs

FRAME_MS = 10
# A speech run must last this long before it counts, so a click does not start a turn.
MIN_SPEECH_MS = 30
QUIETEST_DBFS = -60.0
LOUDEST_DBFS = -10.0
# semantic_vad has no silence setting; the fake waits longer the less eager the model is.
# All stay well under the documented maximum waits of 8 s / 4 s / 2 s (low / medium / high).
SEMANTIC_SILENCE_MS = {"low": 1500, "medium": 800, "auto": 800, "high": 400}
SEMANTIC_PREFIX_MS = 300


def threshold_dbfs(threshold: float) -> float:
    """Map server_vad `threshold` 0..1 linearly onto −60..−10 dBFS (0.5 → −35 dBFS).

    A 10 ms frame is speech when its RMS level is strictly above that level, so a higher
    threshold needs louder audio, as the real setting does.
    """
    return QUIETEST_DBFS + (LOUDEST_DBFS - QUIETEST_DBFS) * threshold


@dataclass(frozen=True)
class VadEvent:
    """One VAD decision: `kind` is "speech_started" or "speech_stopped"."""

    kind: str
    audio_ms: int  # the value reported to the client (audio_start_ms / audio_end_ms)
    decided_at_ms: int  # the audio position at which the decision was made


class EnergyVad:
    """Frame-wise energy VAD whose clock counts appended audio, never wall time."""

    def __init__(self, settings: dict, rate: int, clock_ms: int = 0) -> None:
        semantic = settings["type"] == "semantic_vad"
        self.level_dbfs = threshold_dbfs(0.5 if semantic else settings["threshold"])
        self.prefix_ms = SEMANTIC_PREFIX_MS if semantic else settings["prefix_padding_ms"]
        self.silence_ms = (
            SEMANTIC_SILENCE_MS[settings["eagerness"]]
            if semantic
            else settings["silence_duration_ms"]
        )
        self.frame_samples = rate * FRAME_MS // 1000
        self.clock_ms = clock_ms
        self.floor_ms = clock_ms
        self.in_speech = False
        self._pending = np.zeros(0, dtype=np.int16)
        self._voiced_run_ms = 0
        self._silent_run_ms = 0

    def feed(self, samples: np.ndarray) -> list[VadEvent]:
        """Consume samples and return the decisions they caused, in order."""
        buffer = np.concatenate((self._pending, samples))
        whole = len(buffer) // self.frame_samples * self.frame_samples
        self._pending = buffer[whole:]
        decisions = []
        for start in range(0, whole, self.frame_samples):
            event = self._step(
                rms_dbfs(buffer[start : start + self.frame_samples]) > self.level_dbfs
            )
            if event:
                decisions.append(event)
        return decisions

    def reset(self, clock_ms: int) -> None:
        """Forget any speech in progress (after a buffer clear); padding never reaches before it."""
        self.clock_ms = self.floor_ms = clock_ms
        self.in_speech = False
        self._pending = np.zeros(0, dtype=np.int16)
        self._voiced_run_ms = self._silent_run_ms = 0

    def _step(self, voiced: bool) -> VadEvent | None:
        """Advance one 10 ms frame and decide whether a turn starts or ends here."""
        self.clock_ms += FRAME_MS
        if not self.in_speech:
            self._voiced_run_ms = self._voiced_run_ms + FRAME_MS if voiced else 0
            if self._voiced_run_ms < MIN_SPEECH_MS:
                return None
            self.in_speech, self._silent_run_ms = True, 0
            onset = self.clock_ms - self._voiced_run_ms
            start = max(self.floor_ms, onset - self.prefix_ms, 0)
            return VadEvent("speech_started", start, self.clock_ms)
        self._silent_run_ms = 0 if voiced else self._silent_run_ms + FRAME_MS
        if self._silent_run_ms < self.silence_ms:
            return None
        # audio_end_ms includes the silence window (§4.1), so it is the current position.
        self.in_speech, self._voiced_run_ms = False, 0
        self.floor_ms = self.clock_ms
        return VadEvent("speech_stopped", self.clock_ms, self.clock_ms)


def contains_speech(samples: np.ndarray, rate: int, threshold: float = 0.5) -> bool:
    """Tell whether audio holds a voiced run VAD would count (a manual commit of silence does not).

    Vectorised: 10 ms frames above the threshold level, at least `MIN_SPEECH_MS` in a row.
    """
    frame = rate * FRAME_MS // 1000
    count = len(samples) // frame
    if count == 0:
        return False
    frames = samples[: count * frame].astype(np.float64).reshape(count, frame)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    limit = 32768.0 * 10 ** (threshold_dbfs(threshold) / 20)
    voiced = rms > limit
    needed = MIN_SPEECH_MS // FRAME_MS
    runs = np.convolve(voiced.astype(np.int32), np.ones(needed, dtype=np.int32), mode="valid")
    return bool((runs >= needed).any())
