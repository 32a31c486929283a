"""Validity rules for Korean phone, resident registration, card and account numbers."""

import datetime
import re

_AREA_CODES = frozenset(
    {"031", "032", "033", "041", "042", "043", "044", "051", "052", "053", "054", "055"}
    | {"061", "062", "063", "064"}
)


def national_phone(digits: str) -> str:
    """The number in national form: a leading 82 country code becomes 0."""
    rest = digits[2:]
    if not digits.startswith("82") or not rest or rest[0] == "0":
        return digits
    if len(rest) == 8 and rest[:2] in ("15", "16", "18"):
        return rest  # nationwide numbers (1588-xxxx) have no trunk 0
    return "0" + rest if len(rest) in (8, 9, 10) else digits


def is_phone(digits: str) -> bool:
    """Whether the digits are a Korean mobile, landline, internet or nationwide number."""
    d = national_phone(digits)
    n = len(d)
    if d[:3] in {"010", "011", "016", "017", "018", "019"}:
        return n in (10, 11)  # early 010 numbers and 01X numbers have a 3-digit middle
    if d.startswith("02"):
        return n in (9, 10) and d[2] != "0"
    if d[:3] in _AREA_CODES:
        return n in (10, 11) and d[3] != "0"
    if d[:3] == "070":
        return n == 11
    if d[:4] in {"0502", "0503", "0504", "0505", "0506", "0507", "0508"}:
        return n in (11, 12)
    if d[:2] in {"15", "16", "18"}:
        return n == 8
    return False


def phone_confidence(digits: str) -> float:
    """How sure a valid phone number is: 010 with a 3-digit middle no longer exists."""
    d = national_phone(digits)
    if d.startswith("010") and len(d) == 10:
        return 0.0
    return 1.0 if d.startswith("050") else 2.0  # 050x safe numbers are rarely said


def is_local_number(digits: str) -> bool:
    """Whether the digits are a landline number without its area code (234-5678)."""
    return len(digits) in (7, 8) and digits[0] in "23456789"


def rrn_date_ok(digits: str) -> bool:
    """Whether 13 digits start with a real YYMMDD birth date and a gender digit 1-8."""
    if len(digits) != 13 or digits[6] not in "12345678":
        return False
    century = 1900 if digits[6] in "1256" else 2000
    try:
        datetime.date(century + int(digits[:2]), int(digits[2:4]), int(digits[4:6]))
    except ValueError:
        return False
    return True


def rrn_checksum_ok(digits: str) -> bool:
    """Whether the 13th digit is the pre-2020 check digit (citizens and foreigners)."""
    weights = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
    total = sum(int(d) * w for d, w in zip(digits[:12], weights, strict=True))
    base = 13 if digits[6] in "5678" else 11
    return (base - total % 11) % 10 == int(digits[12])


def is_rrn_half(digits: str) -> bool:
    """Whether the digits are a 주민등록번호 front half (YYMMDD) or back half (gender + 6)."""
    if len(digits) == 7:
        return digits[0] in "12345678"
    return len(digits) == 6 and 1 <= int(digits[2:4]) <= 12 and 1 <= int(digits[4:6]) <= 31


def luhn_ok(digits: str) -> bool:
    """Whether the digits pass the Luhn check used by payment cards."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def is_card(digits: str) -> bool:
    """Whether the digits look like a payment card number (13-19 digits, Luhn, real prefix)."""
    return 13 <= len(digits) <= 19 and digits[0] in "3456789" and luhn_ok(digits)


def is_account_length(digits: str) -> bool:
    """Whether the digits have the length of a Korean bank account number."""
    return 10 <= len(digits) <= 14


# Words that say what the number that follows is; the nearest one before a number wins.
_CONTEXT_WORDS = {
    "account": r"계좌|통장|은행|뱅크|입금|송금|이체|예금주|농협|신한|우체국|새마을|신협|수협|저축",
    "bank": r"국민|우리|하나|기업|씨티|SC|제일|산업|카카오|토스|케이",
    "card": r"카드|신용|체크",
    "rrn": r"주민|외국인등록|뒷자리|뒷번호|앞자리",
    "phone": r"전화|연락처|핸드폰|휴대폰|폰|휴대전화|콜백|국번",
    "number": r"번호",
    "order": r"주문|송장|운송장|예약번호|접수번호|배송|영수증|승인번호|회원번호|쿠폰",
}
_CONTEXT_RE = re.compile("|".join(f"(?P<{k}>{v})" for k, v in _CONTEXT_WORDS.items()))
_WINDOW = 30


_SENTENCE_END_RE = re.compile(r"[?!]|[.。]\s")


_LABEL_RE = re.compile(r"\[[^\]\s]{1,8}\]")


def context_before(text: str, start: int) -> str:
    """The kind of number the words just before `start` in its sentence announce ("" if none)."""
    window = text[max(0, start - _WINDOW) : start]
    # An earlier mask ("[전화번호]") says nothing about what follows it.
    window = _LABEL_RE.sub(" ", _SENTENCE_END_RE.split(window)[-1])
    kind, last_end = "", -10
    for match in _CONTEXT_RE.finditer(window):
        found = match.lastgroup or ""
        # "주민등록번호", "카드 번호": the generic word 번호 right after a specific one keeps it.
        if found == "number" and kind and match.start() - last_end <= 2:
            last_end = match.end()
            continue
        if found == "bank" and kind == "account":
            continue  # "계좌는 국민 ...": the bank's name does not weaken the word 계좌
        kind, last_end = found, match.end()
    return kind


def context_after(text: str, end: int) -> str:
    """The kind of number the words just after `end` name ("1002-123-456789 우리은행이요")."""
    window = text[end : end + 12]
    match = _CONTEXT_RE.search(window)
    return match.lastgroup or "" if match else ""
