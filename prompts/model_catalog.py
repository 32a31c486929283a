"""The OpenAI models a profile may use, what each accepts, and their announced shutdown dates.

Pure data, no Django. Source: ../shared/protocols/openai-realtime.md section 11, read from
the `openai` Python SDK 3.63.0 (`openai/types/realtime/`). When OpenAI announces a shutdown,
add it to SHUTDOWNS: the system check, /healthz and the admin then warn about it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

DEFAULT_REALTIME_MODEL = "gpt-realtime-2.1"
REALTIME_MODELS = [
    "gpt-realtime-2.1",
    "gpt-realtime-2",
    "gpt-realtime-2.1-mini",
    "gpt-realtime-1.5",
]

DEFAULT_TRANSCRIPTION_MODEL = "gpt-live-transcribe"
TRANSCRIPTION_MODELS = ["gpt-live-transcribe", "gpt-transcribe", "gpt-realtime-whisper"]

# Literal values of `reasoning.effort` and of the transcription `delay` in the SDK.
EFFORTS = ["minimal", "low", "medium", "high", "xhigh"]
DEFAULT_REASONING_EFFORT = "low"  # a phone line cannot wait for long reasoning
DEFAULT_TRANSCRIPTION_DELAY = "low"

BUILT_IN_VOICES = [
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "sage",
    "shimmer",
    "verse",
    "marin",
    "cedar",
]

# The SDK declares no limit on `keywords`; ours keeps session.update small and the list useful.
MAX_KEYWORDS = 100
MAX_KEYWORD_LENGTH = 50
MAX_EXTRA_LANGUAGES = 4

REALTIME_SHUTDOWN = datetime.date(2027, 1, 20)
TRANSCRIPTION_SHUTDOWN = datetime.date(2027, 2, 26)
SHUTDOWNS: dict[str, datetime.date] = {
    # Realtime (session `model`)
    "gpt-realtime": REALTIME_SHUTDOWN,
    "gpt-realtime-2025-08-28": REALTIME_SHUTDOWN,
    "gpt-realtime-mini": REALTIME_SHUTDOWN,
    "gpt-realtime-mini-2025-12-15": REALTIME_SHUTDOWN,
    "gpt-audio-mini": REALTIME_SHUTDOWN,
    "gpt-audio-mini-2025-12-15": REALTIME_SHUTDOWN,
    # Transcription (`audio.input.transcription.model`)
    "whisper-1": TRANSCRIPTION_SHUTDOWN,
    "gpt-4o-mini-transcribe": TRANSCRIPTION_SHUTDOWN,
    "gpt-4o-mini-transcribe-2025-12-15": TRANSCRIPTION_SHUTDOWN,
    "gpt-4o-transcribe": TRANSCRIPTION_SHUTDOWN,
    "gpt-4o-transcribe-diarize": TRANSCRIPTION_SHUTDOWN,
}
WARNING_DAYS = 30


@dataclass(frozen=True)
class TranscriptionFeatures:
    """Which `audio.input.transcription` fields a transcription model takes."""

    languages: bool = False  # `languages` (several) and `keywords`
    delay: bool = False
    prompt: bool = True


TRANSCRIPTION_FEATURES = {
    "gpt-live-transcribe": TranscriptionFeatures(languages=True, prompt=False),
    "gpt-transcribe": TranscriptionFeatures(languages=True, prompt=False),
    "gpt-realtime-whisper": TranscriptionFeatures(delay=True, prompt=False),
}
LEGACY_TRANSCRIPTION = TranscriptionFeatures()  # whisper-1 and gpt-4o-*: `language` + `prompt`


def transcription_features(model: str) -> TranscriptionFeatures:
    """The fields this transcription model accepts (older models: `language` and `prompt`)."""
    return TRANSCRIPTION_FEATURES.get(model, LEGACY_TRANSCRIPTION)


def is_reasoning_model(model: str) -> bool:
    """Whether `reasoning` applies: the gpt-realtime-2 family (gpt-realtime-1.5 rejects it)."""
    return model.startswith("gpt-realtime-2")


@dataclass(frozen=True)
class Retirement:
    """A model with an announced shutdown, seen from one day."""

    model: str
    shutdown: datetime.date
    days_left: int

    @property
    def retired(self) -> bool:
        """Whether the shutdown date has come: sessions on it no longer work."""
        return self.days_left <= 0

    @property
    def urgent(self) -> bool:
        """Retired, or retiring within WARNING_DAYS: worth a start-up warning."""
        return self.days_left <= WARNING_DAYS


def retirement(model: str, today: datetime.date) -> Retirement | None:
    """The announced shutdown of this model seen from `today`, or None when none is announced."""
    shutdown = SHUTDOWNS.get(model)
    if shutdown is None:
        return None
    return Retirement(model, shutdown, (shutdown - today).days)
