"""One call's redaction policy: what to mask, whose number, whether raw text is kept (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from calls.compliance.korean_numbers import find_digit_runs
from calls.compliance.redaction import redact, redact_value

UNFINISHED = "…"
TRAILING_JOINERS = " -‐‑–—−.,·/()~_:+"
MIN_HELD_DIGITS = 2  # a lone digit word ("일", "이") is usually a word, not a number


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
        return redact(text, self.categories, caller_number=self.caller_number)

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
        return redact_value(value, self.categories, caller_number=self.caller_number)
