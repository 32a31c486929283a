"""A caller number's keyed hash: links a caller's calls without keeping the number in clear."""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings

NON_DIGITS = re.compile(r"\D")
KEY_CONTEXT = b"ars-caller-key:"  # keeps these hashes apart from other uses of SECRET_KEY


def normalize_number(number: str) -> str:
    """The number in E.164 form: '010-1234-5678', '8210…' and '+8210…' are the same caller."""
    raw = number.strip()
    digits = NON_DIGITS.sub("", raw)
    if not digits:
        return ""
    if raw.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("0"):
        return "+82" + digits[1:]
    if digits.startswith("82"):
        return "+" + digits
    return "+" + digits


def caller_key(number: str) -> str:
    """HMAC-SHA256 of the normalised number, keyed with SECRET_KEY (hex); '' for no number."""
    normalized = normalize_number(number)
    if not normalized:
        return ""
    key = KEY_CONTEXT + settings.SECRET_KEY.encode()
    return hmac.new(key, normalized.encode(), hashlib.sha256).hexdigest()
