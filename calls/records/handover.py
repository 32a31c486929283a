"""What the human agent hears before a transferred caller is connected (warm transfer)."""

from __future__ import annotations

from calls.models import NO_SUMMARY, Call, Speaker, Utterance

WHISPER_INTRO = "AI 상담원이 연결하는 전화입니다."
NO_CONTEXT = "통화 요약이 없습니다."
MAX_SPOKEN_CHARS = 400  # about half a minute of <Say>: the caller waits meanwhile


def whisper_text(call_sid: str) -> str:
    """The call's summary, else the caller's last words, else a plain notice, in Korean."""
    call = Call.objects.filter(call_sid=call_sid).only("id", "summary").first()
    if call is None:
        return f"{WHISPER_INTRO} {NO_CONTEXT}"
    if call.summary and call.summary != NO_SUMMARY:
        return f"{WHISPER_INTRO} 요약: {clip(call.summary)}"
    last = (
        Utterance.objects.filter(call=call, speaker=Speaker.CALLER)
        .exclude(text="")
        .order_by("-started_ms", "-id")
        .values_list("text", flat=True)
        .first()
    )
    if last:
        return f"{WHISPER_INTRO} 고객의 마지막 말: {clip(last)}"
    return f"{WHISPER_INTRO} {NO_CONTEXT}"


def clip(text: str) -> str:
    """Text cut to what can be said while the caller waits."""
    text = " ".join(text.split())
    return text if len(text) <= MAX_SPOKEN_CHARS else text[: MAX_SPOKEN_CHARS - 1] + "…"
