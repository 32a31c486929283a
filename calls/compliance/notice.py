"""The notice a caller hears before the agent speaks: AI use (인공지능 기본법) and recording."""

from __future__ import annotations

DEFAULT_AI_NOTICE = "본 전화는 AI 상담원이 응대합니다."
DEFAULT_RECORDING_NOTICE = "상담 품질 확인과 분쟁 발생 시 사실 확인을 위해 통화 내용이 녹음됩니다."
DEFAULT_NOTICE_VOICE = "Polly.Seoyeon"  # Twilio's Korean Amazon Polly voice
NOTICE_LANGUAGE = "ko-KR"
NOTICE_EVENT = "notice_given"


def compose_notice(
    *, ai_notice_enabled: bool, ai_notice: str, record_calls: bool, recording_notice: str
) -> str:
    """The text spoken verbatim before the agent: the AI notice, then the recording notice.

    The recording sentence is spoken whenever the call is recorded, even with the AI notice off.
    """
    parts = []
    if ai_notice_enabled and ai_notice.strip():
        parts.append(ai_notice.strip())
    if record_calls and recording_notice.strip():
        parts.append(recording_notice.strip())
    return " ".join(parts)
