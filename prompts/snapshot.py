"""The frozen configuration of one call: plain data, no Django, safe to hand to the bridge."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from calls.compliance.redaction import ALL_CATEGORIES
from prompts.tool_spec import ToolSpec


@dataclass(frozen=True)
class VadConfig:
    """Turn-detection values as stored on the profile when the call began."""

    type: str = "server_vad"
    threshold: float = 0.5
    prefix_padding_ms: int = 300
    silence_duration_ms: int = 700
    eagerness: str = "auto"
    interrupt_response: bool = True
    create_response: bool = True
    idle_timeout_ms: int | None = None
    noise_reduction: str = "near_field"


@dataclass(frozen=True)
class CallConfig:
    """Everything a call needs from the prompts app, frozen when the call is answered."""

    profile_id: int | None
    profile_name: str
    prompt_version_id: int | None
    prompt_version_number: int | None
    instructions: str
    greeting: str
    voice: str
    transcription_language: str
    model: str
    vad: VadConfig = field(default_factory=VadConfig)
    transfer_digit: str = ""
    record_calls: bool = False
    recording_retention_days: int = 30
    notice_text: str = ""
    notice_voice: str = ""
    redact_categories: tuple[str, ...] = tuple(sorted(ALL_CATEGORIES))
    keep_unredacted_text: bool = False
    call_data_retention_days: int = 90
    custom_voice_id: str = ""
    reasoning_effort: str = "low"
    transcription_model: str = "gpt-live-transcribe"
    transcription_delay: str = "low"
    extra_languages: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    truncation_retention_ratio: float = 0.8
    idle_reprompts: int = 2
    tools: tuple[ToolSpec, ...] = ()  # business tools offered to the model, frozen
    summarize_calls: bool = True
    call_categories: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """Serialise for the call row (JSON)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> CallConfig:
        """Rebuild from the call row."""
        values = dict(data)
        values["vad"] = VadConfig(**values.get("vad", {}))
        if "redact_categories" in values:
            values["redact_categories"] = tuple(values["redact_categories"])
        for name in ("extra_languages", "keywords"):
            values[name] = tuple(values.get(name, ()))
        values["tools"] = tuple(ToolSpec(**tool) for tool in values.get("tools", ()))
        values["call_categories"] = tuple(values.get("call_categories") or ())
        return cls(**values)
