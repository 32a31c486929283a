"""One call's redaction policy: what to mask, whose number, whether raw text is kept (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from calls.compliance.korean_numbers import find_digit_runs
from calls.compliance.redaction import ALL_CATEGORIES, CATEGORIES, find_pii

UNFINISHED = "…"
TRAILING_JOINERS = " -‐‑–—−.,·/()~_:+"
MIN_HELD_DIGITS = 2  # a lone digit word ("일", "이") is usually a word, not a number
EMAIL_AT_SIGNS = ("@", "골뱅이", "앳")


def mask_text(
    text: str, categories: frozenset[str] = ALL_CATEGORIES, caller_number: str = ""
) -> str:
    """The text with each piece of personal data replaced by its category's label.

    An e-mail counts only when written with "@" or spoken the Korean way ("골뱅이", "앳"):
    the redaction module also reads an English "at" inside words as one, which would mask
    keys and codes such as "http_status" in tool results and "at" in our own log lines.
    """
    if not text:
        return text
    pieces, last = [], 0
    for match in find_pii(text, categories, caller_number):
        span = text[match.start : match.end]
        if match.category == "email" and not any(at in span for at in EMAIL_AT_SIGNS):
            continue
        pieces += [text[last : match.start], CATEGORIES[match.category]]
        last = match.end
    pieces.append(text[last:])
    return "".join(pieces)


def mask_value(value: Any, categories: frozenset[str], caller_number: str = "") -> Any:
    """A copy of a JSON-like value with every string in it masked (keys are kept)."""
    if isinstance(value, str):
        return mask_text(value, categories, caller_number)
    if isinstance(value, dict):
        return {key: mask_value(item, categories, caller_number) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(item, categories, caller_number) for item in value]
    return value


@dataclass(frozen=True, slots=True)
class RedactionPolicy:
    """Masks personal data in the text and data of one call, per its profile's switches."""

    categories: frozenset[str]
    caller_number: str = ""
    keep_unredacted: bool = False

    @classmethod
    def for_call(cls, config, caller_number: str) -> RedactionPolicy:
        """The policy frozen onto a call's configuration (prompts.snapshot.CallConfig)."""
        return cls(
            categories=frozenset(config.redact_categories),
            caller_number=caller_number,
            keep_unredacted=config.keep_unredacted_text,
        )

    def text(self, text: str) -> str:
        """The text with personal data masked."""
        if not text or not self.categories:
            return text
        return mask_text(text, self.categories, self.caller_number)

    def partial(self, text: str) -> str:
        """Text of a turn still being spoken, masked, its unfinished trailing number held back.

        A number is recognised only once complete: "010-9876-543" is no phone number yet, so
        a digit run at the end of a partial is shown as "…" until the next words settle it.
        """
        if not self.categories:
            return text
        masked = self.text(text)
        runs = find_digit_runs(masked)
        if not runs or len(runs[-1].digits) < MIN_HELD_DIGITS:
            return masked
        end = len(masked.rstrip(TRAILING_JOINERS))
        if runs[-1].spans[-1][1] < end:
            return masked
        return masked[: runs[-1].spans[0][0]] + UNFINISHED

    def value(self, value):
        """A JSON-like value (event data, tool arguments and results) with personal data masked."""
        if not self.categories:
            return value
        return mask_value(value, self.categories, self.caller_number)
