"""Find e-mail addresses, written ("a@b.com") or spoken ("abc 골뱅이 naver 점 com")."""

import re

from calls.compliance.korean_numbers import DIGIT_WORDS

_WRITTEN_RE = re.compile(
    r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}", re.IGNORECASE
)

# "골뱅이" (snail) is how Koreans say "@"; "앳" and "at" are heard too.
_AT_RE = re.compile(r"(?:(?<=\s)|^)(?:골뱅이|앳|at)(?=\s)|\s*@\s*", re.IGNORECASE)
_PROVIDERS = (
    r"네이버|지메일|한메일|다음|카카오|네이트|야후|핫메일|아웃룩|구글|아이클라우드|"
    r"naver|gmail|hanmail|daum|kakao|nate|yahoo|hotmail|outlook|icloud"
)
_DOT = r"\s*(?:점|닷|쩜|\.)\s*"
_TLD = r"(?:com|net|org|kr|co|컴|넷|케이알|씨오|오알지)"
_LATIN = r"[A-Za-z0-9][A-Za-z0-9\-]*"
_DOMAIN_RE = re.compile(
    rf"\s*(?:(?:{_PROVIDERS}|{_LATIN})(?:{_DOT}(?:{_TLD}|{_LATIN}))*{_DOT}{_TLD}"
    rf"|(?:{_PROVIDERS})(?:\s*닷(?:컴|넷))?)",
    re.IGNORECASE,
)

# Letters as Koreans name them when spelling an address ("에이비씨" = abc).
_LETTER_NAMES = (
    "에이치|더블유|에이|에프|에스|에일|비|씨|디|이|지|아이|제이|케이|엘|엠|엔|오|피|큐|알|티|유"
    "|브이|엑스|와이|제트|지"
)
_SPELLED_RE = re.compile(
    rf"^(?:[A-Za-z0-9._\-]+|(?:{_LETTER_NAMES}|[{''.join(DIGIT_WORDS)}])+"
    r"|점|닷|언더바|언더스코어|하이픈|대시|다시)$"
)
_JOINER_RE = re.compile(r"^(?:점|닷|언더바|언더스코어|하이픈|대시|\.|_|-)$")
# Words that introduce an address rather than being part of it.
_LEAD_INS = frozenset({"메일", "이메일", "주소", "아이디", "메일주소", "이메일주소", "제", "저"})
_PARTICLE_ENDINGS = ("은", "는", "이", "가", "을", "를", "요", "고", "로", "데")
_MAX_LOCAL_WORDS = 6


def _local_start(text: str, at: int) -> int:
    """Where the spoken local part before an "@" at position `at` begins."""
    words = list(re.finditer(r"\S+", text[:at]))[-_MAX_LOCAL_WORDS:]
    start = at
    taken = 0
    for k in range(len(words) - 1, -1, -1):
        word = words[k].group()
        # "제이 케이 점 리": a name piece read between dots is part of the address too.
        joined = k > 0 and _JOINER_RE.match(words[k - 1].group())
        if not (_SPELLED_RE.match(word) or (joined and not word.endswith(_PARTICLE_ENDINGS))):
            break
        start, taken = words[k].start(), taken + 1
    if taken == 0 and words:
        word = words[-1].group()
        # A Hangul user name ("홍길동 골뱅이 ...") unless it is a lead-in ("메일은").
        if word not in _LEAD_INS and not word.endswith(_PARTICLE_ENDINGS):
            start = words[-1].start()
    return start


def find_emails(text: str) -> list[tuple[int, int]]:
    """Character spans of e-mail addresses in the text."""
    spans = [(m.start(), m.end()) for m in _WRITTEN_RE.finditer(text)]
    for at in _AT_RE.finditer(text):
        if any(s <= at.start() < e for s, e in spans):
            continue
        domain = _DOMAIN_RE.match(text, at.end())
        if domain is None:
            continue  # "골뱅이 달았어요": the word, not an address
        start = _local_start(text, at.start())
        spans.append((start, domain.end()))
    return sorted(spans)
