"""The post-call summary's JSON: validated before it is stored (pure: no Django, no I/O).

The Realtime session is asked for one text-only out-of-band response whose text is a JSON
object with exactly the keys `summary`, `category`, `resolved` and `sentiment`. Models sometimes
wrap JSON in a Markdown code fence; that fence is removed, nothing else is forgiven.
"""

from __future__ import annotations

import json
import re

KEYS = ("summary", "category", "resolved", "sentiment")
SENTIMENTS = ("긍정", "중립", "부정")
MAX_SUMMARY_CHARS = 1000
FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


class InvalidSummary(ValueError):
    """The model's answer is not a usable summary; the message says why (stored as the reason)."""


def instructions(categories: list[str]) -> str:
    """What the out-of-band response is told to produce (Korean, like the conversation)."""
    listed = ", ".join(categories)
    return (
        "방금 끝난 통화를 요약하세요. 다른 말 없이 JSON 객체 하나만 답하세요. "
        '키: "summary"(한국어 2~3문장), '
        f'"category"(다음 중 하나: {listed}), '
        '"resolved"(true 또는 false: 고객의 용건이 해결되었는지), '
        '"sentiment"("긍정", "중립", "부정" 중 하나).'
    )


def parse_summary(text: str, categories: list[str]) -> dict:
    """The validated summary in `text`; raises InvalidSummary naming the first problem."""
    data = decode(text)
    missing = [key for key in KEYS if key not in data]
    if missing:
        raise InvalidSummary(f"missing keys: {', '.join(missing)}")
    extra = sorted(set(data) - set(KEYS))
    if extra:
        raise InvalidSummary(f"unexpected keys: {', '.join(extra)}")
    summary = data["summary"]
    if not isinstance(summary, str) or not summary.strip():
        raise InvalidSummary("summary must be non-empty text")
    if len(summary) > MAX_SUMMARY_CHARS:
        raise InvalidSummary(f"summary longer than {MAX_SUMMARY_CHARS} characters")
    if data["category"] not in categories:
        raise InvalidSummary(f"category {data['category']!r} is not one of the profile's")
    if not isinstance(data["resolved"], bool):
        raise InvalidSummary("resolved must be true or false")
    if data["sentiment"] not in SENTIMENTS:
        raise InvalidSummary(f"sentiment {data['sentiment']!r} is not one of 긍정, 중립, 부정")
    return {
        "summary": summary.strip(),
        "category": data["category"],
        "resolved": data["resolved"],
        "sentiment": data["sentiment"],
    }


def decode(text: str) -> dict:
    """The JSON object in the text (a Markdown fence around it is allowed)."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidSummary("empty answer")
    fenced = FENCE.match(text)
    try:
        data = json.loads(fenced.group(1) if fenced else text)
    except json.JSONDecodeError as error:
        raise InvalidSummary(f"not JSON: {error.msg} at position {error.pos}") from error
    if not isinstance(data, dict):
        raise InvalidSummary("not a JSON object")
    return data
