"""One call's redaction policy: what to mask, whose number, whether raw text is kept (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from calls.compliance.redaction import redact, redact_value


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

    def value(self, value):
        """A JSON-like value (event data, tool arguments and results) with personal data masked."""
        if not self.categories:
            return value
        return redact_value(value, self.categories, caller_number=self.caller_number)
