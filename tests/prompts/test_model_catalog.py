"""The model catalog matches section 11 of the protocol notes and the openai SDK behind it."""

import datetime
import inspect
import re

from openai.types.realtime import AudioTranscription, RealtimeSessionCreateRequest

from prompts import model_catalog

# ../shared/protocols/openai-realtime.md, section 11.1 (openai SDK 3.63.0).
SECTION_11_SHUTDOWNS = {
    "gpt-realtime": "2027-01-20",
    "gpt-realtime-2025-08-28": "2027-01-20",
    "gpt-realtime-mini": "2027-01-20",
    "gpt-realtime-mini-2025-12-15": "2027-01-20",
    "gpt-audio-mini": "2027-01-20",
    "gpt-audio-mini-2025-12-15": "2027-01-20",
    "whisper-1": "2027-02-26",
    "gpt-4o-mini-transcribe": "2027-02-26",
    "gpt-4o-mini-transcribe-2025-12-15": "2027-02-26",
    "gpt-4o-transcribe": "2027-02-26",
    "gpt-4o-transcribe-diarize": "2027-02-26",
}


def sdk_shutdowns(model_class) -> dict[str, str]:
    """The 'Announced shutdown date' lists in an SDK model's `model` field docstring."""
    description = inspect.getsource(model_class)  # field docstrings are not kept at runtime
    found = {}
    for names, date in re.findall(
        r"-\s+((?:\"[^\"]+\",?\s*)+):\s*Announced shutdown date:\s*(\d{4}-\d{2}-\d{2})",
        description,
    ):
        for name in re.findall(r"\"([^\"]+)\"", names):
            found[name] = date
    return found


def test_the_shutdown_table_holds_the_section_11_dates():
    table = {model: date.isoformat() for model, date in model_catalog.SHUTDOWNS.items()}
    assert table == SECTION_11_SHUTDOWNS


def test_the_shutdown_table_matches_the_sdk_docstrings():
    from_sdk = sdk_shutdowns(RealtimeSessionCreateRequest) | sdk_shutdowns(AudioTranscription)
    assert len(from_sdk) == len(SECTION_11_SHUTDOWNS)
    assert from_sdk == SECTION_11_SHUTDOWNS


def test_the_supported_models_are_sdk_values_without_a_shutdown_date():
    realtime_literals = str(RealtimeSessionCreateRequest.model_fields["model"].annotation)
    transcription_literals = str(AudioTranscription.model_fields["model"].annotation)
    for model in model_catalog.REALTIME_MODELS:
        assert f"'{model}'" in realtime_literals
        assert model not in model_catalog.SHUTDOWNS
    for model in model_catalog.TRANSCRIPTION_MODELS:
        assert f"'{model}'" in transcription_literals
        assert model not in model_catalog.SHUTDOWNS
    assert model_catalog.REALTIME_MODELS[0] == model_catalog.DEFAULT_REALTIME_MODEL


def test_a_model_retires_on_its_shutdown_day_and_is_urgent_30_days_before():
    shutdown = datetime.date(2027, 1, 20)
    assert not model_catalog.retirement("gpt-realtime", shutdown - datetime.timedelta(31)).urgent
    assert model_catalog.retirement("gpt-realtime", shutdown - datetime.timedelta(30)).urgent
    assert not model_catalog.retirement("gpt-realtime", shutdown - datetime.timedelta(1)).retired
    assert model_catalog.retirement("gpt-realtime", shutdown).retired
    assert model_catalog.retirement("gpt-realtime-2.1", shutdown) is None


def test_only_the_gpt_realtime_2_family_takes_reasoning():
    assert model_catalog.is_reasoning_model("gpt-realtime-2")
    assert model_catalog.is_reasoning_model("gpt-realtime-2.1-mini")
    assert not model_catalog.is_reasoning_model("gpt-realtime-1.5")
    assert not model_catalog.is_reasoning_model("gpt-realtime")
