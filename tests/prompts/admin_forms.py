"""The profile admin form as a browser posts it, for tests that submit it."""


def profile_form_data(profile, profile_overrides=None, **vad_overrides):
    """The admin's profile form as a browser would post it, with VAD fields overridden."""
    vad = profile.vad
    data = {
        "name": profile.name,
        "is_default": "on",
        "transfer_digit": profile.transfer_digit,
        "recording_retention_days": "30",
        "summarize_calls": "on",
        "call_categories": profile.call_categories,
        "realtime_model": profile.realtime_model,
        "reasoning_effort": profile.reasoning_effort,
        "truncation_retention_ratio": str(profile.truncation_retention_ratio),
        "idle_reprompts": str(profile.idle_reprompts),
        "transcription_model": profile.transcription_model,
        "transcription_delay": profile.transcription_delay,
        "extra_languages": profile.extra_languages,
        "keywords": profile.keywords,
        "ai_notice_enabled": "on" if profile.ai_notice_enabled else "",
        "ai_notice_text": profile.ai_notice_text,
        "recording_notice_text": profile.recording_notice_text,
        "notice_voice": profile.notice_voice,
        "call_data_retention_days": str(profile.call_data_retention_days),
        **{f"redact_{name}": "on" for name in profile.redaction_categories()},
        "numbers-TOTAL_FORMS": "0",
        "numbers-INITIAL_FORMS": "0",
        "vad-TOTAL_FORMS": "1",
        "vad-INITIAL_FORMS": "1",
        "vad-0-id": str(vad.pk),
        "vad-0-profile": str(profile.pk),
        "vad-0-turn_detection_type": vad.turn_detection_type,
        "vad-0-threshold": str(vad.threshold),
        "vad-0-prefix_padding_ms": str(vad.prefix_padding_ms),
        "vad-0-silence_duration_ms": str(vad.silence_duration_ms),
        "vad-0-eagerness": vad.eagerness,
        "vad-0-interrupt_response": "on",
        "vad-0-create_response": "on",
        "vad-0-idle_timeout_ms": "",
        "vad-0-noise_reduction": vad.noise_reduction,
        "versions-TOTAL_FORMS": "0",
        "versions-INITIAL_FORMS": "0",
    }
    data.update({f"vad-0-{key}": value for key, value in vad_overrides.items()})
    data.update(profile_overrides or {})
    return data
