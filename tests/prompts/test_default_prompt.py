"""After migrate, the default profile answers in Korean with a real customer-service prompt."""

import re

import pytest

pytestmark = pytest.mark.django_db

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def hangul_share(text: str) -> float:
    """Share of letters in the text that are Hangul syllables."""
    letters = [c for c in text if c.isalpha()]
    return sum(bool(HANGUL.match(c)) for c in letters) / max(len(letters), 1)


def test_the_default_profile_exists_with_an_active_korean_prompt(default_profile):
    version = default_profile.active_version
    assert version is not None
    assert version.transcription_language == "ko"
    assert hangul_share(version.instructions) > 0.8
    assert hangul_share(version.greeting) > 0.9


def test_the_default_prompt_covers_the_phone_agent_rules(default_profile):
    text = default_profile.active_version.instructions
    assert "한국어로만" in text
    assert "존댓말" in text
    assert "짧" in text  # short answers for a phone line
    assert "상담원" in text and "transfer_to_human" in text  # offers a human agent
    assert "end_call" in text and "확인" in text  # confirms before ending


def test_the_greeting_is_polite_korean(default_profile):
    greeting = default_profile.active_version.greeting
    assert greeting.endswith(("까요?", "니다.", "세요."))
