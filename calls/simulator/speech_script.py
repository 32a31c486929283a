"""What a hand-run simulated caller does: a tiny script like "speech:1500,silence:3000,dtmf:1"."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .caller_audio import read_wav_ulaw

DEFAULT_SCRIPT = "silence:500,speech:1500,silence:4000"
KINDS = ("speech", "silence", "dtmf", "wav")


@dataclass(frozen=True)
class Step:
    """One scripted caller action."""

    kind: str  # speech | silence | dtmf | wav
    value: str
    level_dbfs: float = -20.0


def parse_speech_script(text: str) -> list[Step]:
    """Parse steps split by commas/newlines: speech:MS[@DBFS], silence:MS, dtmf:KEYS, wav:PATH."""
    steps = []
    for raw in text.replace("\n", ",").split(","):
        item = raw.strip()
        if not item or item.startswith("#"):
            continue
        kind, _, value = item.partition(":")
        if kind not in KINDS or not value:
            raise ValueError(f"bad script step {item!r}; expected one of {', '.join(KINDS)}")
        steps.append(_step(kind, value.strip(), item))
    return steps


def _step(kind: str, value: str, item: str) -> Step:
    if kind in {"speech", "silence"}:
        ms, _, level = value.partition("@")
        if not ms.isdigit() or (level and kind == "silence"):
            raise ValueError(
                f"bad script step {item!r}; use {kind}:MS" + ("[@DBFS]" * (kind == "speech"))
            )
        return Step(kind, ms, float(level) if level else -20.0)
    if kind == "dtmf" and not set(value) <= set("0123456789*#"):
        raise ValueError(f"bad script step {item!r}; DTMF keys are 0-9, * and #")
    return Step(kind, value)


def load_speech_script(text_or_path: str) -> list[Step]:
    """Parse a script given inline or as the path of a file holding one."""
    path = Path(text_or_path)
    if ":" not in text_or_path.split(",")[0] or path.is_file():
        return parse_speech_script(path.read_text(encoding="utf-8"))
    return parse_speech_script(text_or_path)


async def run_speech_script(call, steps: list[Step]) -> None:
    """Perform the steps on a call; stops early if the server ends the stream."""
    for step in steps:
        if not call.streaming:
            return
        if step.kind == "speech":
            await call.send_speech(int(step.value), level_dbfs=step.level_dbfs)
        elif step.kind == "silence":
            await call.send_silence(int(step.value))
        elif step.kind == "dtmf":
            for key in step.value:
                await call.send_dtmf(key)
        elif step.kind == "wav":
            await call.send_audio(read_wav_ulaw(step.value))
