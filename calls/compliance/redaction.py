"""Find and mask personal data in Korean transcripts, including numbers read out loud.

Pure: no Django, no I/O. Numbers are found as runs of digits (written, Sino-Korean digit
words, place words such as 천이백삼십사, or a mix, joined by spaces, punctuation and fillers
like 다시/에) and each run is split into the best-scoring set of valid numbers; the words
before a number (카드번호, 계좌, 주문번호...) tip the balance. Not understood: native Korean
numerals (하나, 둘), place words split by spaces ("천 이백 삼십 사").
"""

import re
from typing import Any, NamedTuple

from calls.compliance import number_rules as rules
from calls.compliance.emails import find_emails
from calls.compliance.korean_numbers import DigitRun, find_digit_runs

CATEGORIES: dict[str, str] = {
    "phone": "[전화번호]",
    "rrn": "[주민번호]",
    "card": "[카드번호]",
    "account": "[계좌번호]",
    "email": "[이메일]",
    "caller_number": "[발신번호]",
}
ALL_CATEGORIES: frozenset[str] = frozenset(CATEGORIES)

# A number whose category its context announced ("카드번호는 ...") gets a bonus.
_CONTEXT_BONUS = 2.0
_ANNOUNCES = {
    "phone": ("phone",),
    "number": ("phone",),
    "rrn": ("rrn",),
    "card": ("card",),
    "account": ("account",),
    "bank": ("account",),
}
# Splitting one run into several numbers must be worth it ("900101-1234567" is one 주민번호).
_MATCH_COST = 4.0
# A lone half of a 주민번호 ("뒷자리는 ...") or a landline number without its area code counts
# only when nothing better explains the digits.
_PART_CONFIDENCE = -1.0
# Reading a final "이" as the copula ("오육칠팔이에요") beats one more digit, unless needed.
_PARTICLE_COST = 2.0
# Numbers start where a word or group starts; a start inside a spoken word is a stretch.
_MID_WORD_START_COST = 2.0
_MID_WORD_END_COST = 1.0
_MIN_LEN, _MAX_LEN = 6, 19


class Match(NamedTuple):
    """One piece of personal data: character span and category key."""

    start: int
    end: int
    category: str


def caller_national(caller_number: str) -> str:
    """The caller's number in national digits (+821012345678 -> 01012345678)."""
    digits = "".join(ch for ch in caller_number if ch.isdigit())
    return rules.national_phone(digits) if digits else ""


def _classify(
    digits: str, kind: str, caller: str, whole: bool, card_shaped: bool
) -> tuple[str, float] | None:
    """The category of a candidate number and how sure it is, given its context's kind.

    `whole`: the candidate is its entire run; `card_shaped`: no written group of 2-3 digits.
    """
    n = len(digits)
    if caller and n >= 7 and (rules.national_phone(digits) == caller or digits == caller[-8:]):
        return "caller_number", 4.0
    if kind == "account" and rules.is_account_length(digits):
        return "account", 2.0
    if kind == "order":  # order numbers are not personal data ("주문번호 2024-1234")
        return None
    if n == 13 and rules.rrn_date_ok(digits):
        if rules.rrn_checksum_ok(digits):
            return "rrn", 3.0
        if kind != "card":  # post-2020 numbers carry no check digit
            return "rrn", 2.5  # a real birth date and gender digit say more than a prefix
    if kind == "rrn" and whole and rules.is_rrn_half(digits):
        return "rrn", _PART_CONFIDENCE
    if rules.is_phone(digits):
        return "phone", rules.phone_confidence(digits)
    if kind == "phone" and whole and rules.is_local_number(digits):
        return "phone", _PART_CONFIDENCE  # "집 전화는 이삼사에 오육칠팔": area code left out
    if card_shaped and rules.is_card(digits):
        return "card", 2.0
    if card_shaped and kind == "card" and 14 <= n <= 19:
        return "card", 0.0  # misheard or mistyped, but announced as a card number
    if kind == "bank" and rules.is_account_length(digits):
        return "account", 1.0
    return None


def _score(
    category: str, confidence: float, kind: str, i: int, j: int, aligned: set[int], cost: float
) -> float:
    """How good reading digits i..j of the run as one number of this category is."""
    bonus = _CONTEXT_BONUS if category in _ANNOUNCES.get(kind, ()) else 0
    edges = (0.5 if j in aligned else -_MID_WORD_END_COST) + (
        0.5 if i in aligned else -_MID_WORD_START_COST
    )
    return (j - i) + confidence + bonus + edges - cost - _MATCH_COST


def _readings(run: DigitRun, i: int, j: int) -> list[tuple[str, float]]:
    """The digit strings digits i..j may stand for, each with the cost of that reading."""
    digits = run.text[i:j]
    if j - 1 in run.alternates:  # "구백팔십이요": 982 reads the 이 as a digit, 980 as grammar
        return [(digits, _PARTICLE_COST), (digits[:-1] + run.alternates[j - 1], 0.0)]
    return [(digits, _PARTICLE_COST * run.particles.get(j - 1, 0.0))]


def _split_run(text: str, run: DigitRun, caller: str) -> list[Match]:
    """The best non-overlapping set of numbers in one run (dynamic programming over digits)."""
    aligned, loose = run.boundaries()
    n = len(run.digits)
    after = rules.context_after(text, run.spans[-1][1])
    before: dict[int, str] = {}
    # Cards are written in groups of four or more, unlike dates ("2024.12.25").
    short_groups = run.short_written_groups()
    last = n - 1 if run.particles.get(n - 1) else n
    best: list[tuple[float, list[Match]]] = [(0.0, [])] * (n + 1)
    for j in range(1, n + 1):
        best[j] = best[j - 1]
        if j not in loose:
            continue
        for i in range(max(0, j - _MAX_LEN), j - _MIN_LEN + 1):
            if i not in loose:
                continue
            start = run.spans[i][0]
            if i not in before:
                before[i] = rules.context_before(text, start)
            kind = before[i] or (after if j == n else "")
            whole = i == 0 and j >= last
            card_shaped = not any(i <= a and b <= j for a, b in short_groups)
            for reading, cost in _readings(run, i, j):
                found = _classify(reading, kind, caller, whole, card_shaped)
                if found is None:
                    continue
                category, confidence = found
                score = best[i][0] + _score(category, confidence, kind, i, j, aligned, cost)
                if score <= best[j][0]:
                    continue
                first = start - 1 if start > 0 and text[start - 1] == "+" else start
                best[j] = (score, [*best[i][1], Match(first, run.spans[j - 1][1], category)])
    return best[n][1]


def find_pii(
    text: str, categories: frozenset[str] = ALL_CATEGORIES, caller_number: str = ""
) -> list[Match]:
    """Every piece of personal data in the text, in order, limited to the given categories.

    Each number gets one category first; a number whose category is off stays in clear rather
    than being masked under another label. The caller's own number falls back to "phone".
    """
    caller = caller_national(caller_number)
    found = [Match(s, e, "email") for s, e in find_emails(text)] if "email" in categories else []
    taken = [(m.start, m.end) for m in found]
    for run in find_digit_runs(text):
        for match in _split_run(text, run, caller):
            category = match.category
            if category == "caller_number" and category not in categories:
                category = "phone"
            if category not in categories:
                continue
            if any(s < match.end and match.start < e for s, e in taken):
                continue
            found.append(match._replace(category=category))
    return sorted(found)


def _masked(text: str, matches: list[Match]) -> str:
    pieces, last = [], 0
    for match in matches:
        pieces += [text[last : match.start], CATEGORIES[match.category]]
        last = match.end
    pieces.append(text[last:])
    return "".join(pieces)


def redact(text: str, categories: frozenset[str] = ALL_CATEGORIES, caller_number: str = "") -> str:
    """The text with each piece of personal data replaced by its category's label."""
    return _masked(text, find_pii(text, categories, caller_number)) if text else text


# Field names that say what a value is ({"account_number": "110123456789"}): the category,
# and the words a caller would have said before such a number.
_FIELD_HINTS = (
    (re.compile(r"rrn|resident|ssn|jumin|주민", re.I), "rrn", "주민번호"),
    (re.compile(r"card|카드", re.I), "card", "카드번호"),
    (re.compile(r"account|acct|bank|계좌", re.I), "account", "계좌번호"),
    (
        re.compile(r"phone|tel|mobile|callback|contact|msisdn|전화|연락처", re.I),
        "phone",
        "전화번호",
    ),
    (
        re.compile(r"order|invoice|tracking|booking|reservation|주문|예약|송장", re.I),
        "",
        "주문번호",
    ),
)
# A value in a named field with this many digits left after redaction is masked whole.
_FIELD_DIGITS_LEFT = 7


def _redact_field(key: str, text: str, categories: frozenset[str], caller_number: str) -> str:
    """A field's string redacted as if its name had been said before it."""
    hint = next((h for h in _FIELD_HINTS if key and h[0].search(key)), None)
    if hint is None:
        return redact(text, categories, caller_number)
    _, category, said = hint
    prefix = said + " "
    shifted = find_pii(prefix + text, categories, caller_number)
    matches = [m._replace(start=m.start - len(prefix), end=m.end - len(prefix)) for m in shifted]
    redacted = _masked(text, [m for m in matches if m.start >= 0])
    runs = find_digit_runs(redacted)
    if category in categories and any(len(r.digits) >= _FIELD_DIGITS_LEFT for r in runs):
        return CATEGORIES[category]  # malformed, but the field says what it is
    return redacted


def redact_value(
    value: Any, categories: frozenset[str] = ALL_CATEGORIES, caller_number: str = "", key: str = ""
) -> Any:
    """A copy of a JSON-like value with every string in it redacted (keys are kept).

    A dict key naming a kind of number ("phone", "account_number", "card") is used as
    context for the value under it, and a number value under such a key is redacted too.
    """
    if isinstance(value, str):
        return _redact_field(key, value, categories, caller_number)
    if isinstance(value, dict):
        return {k: redact_value(v, categories, caller_number, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_value(v, categories, caller_number, key) for v in value)
    named = any(pattern.search(key) for pattern, category, _ in _FIELD_HINTS if category)
    if isinstance(value, int) and not isinstance(value, bool) and named:
        masked = _redact_field(key, str(value), categories, caller_number)
        return value if masked == str(value) else masked
    return value
