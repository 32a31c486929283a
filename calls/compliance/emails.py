"""Find e-mail addresses, written ("a@b.com") or spoken ("abc 골뱅이 naver 점 com")."""

import re

_WRITTEN = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"

_AT = r"(?:골뱅이|앳|at|@)"
_DOT = r"(?:\s*(?:점|닷|쩜|\.)\s*)"
_PROVIDERS = (
    r"네이버|지메일|다음|한메일|카카오|네이트|야후|핫메일|아웃룩|구글|아이클라우드|naver|gmail"
)
_TLD = r"(?:com|net|org|kr|co|컴|넷|케이알|씨오|오알지|닷컴|닷넷|닷케이알)"
_LATIN = r"[A-Za-z0-9][A-Za-z0-9._\-]*"
_LOCAL_JOIN = r"(?:\s*(?:점|닷|언더바|언더스코어|하이픈|\.|_|-)\s*|\s+)"
_LOCAL = rf"{_LATIN}(?:{_LOCAL_JOIN}{_LATIN})*"
_DOMAIN = (
    rf"(?:(?:{_PROVIDERS}|{_LATIN})(?:{_DOT}(?:{_TLD}|{_LATIN}))*(?:{_DOT}?(?:닷컴|닷넷))?"
    rf"(?<=[A-Za-z컴넷알지오])|(?:{_PROVIDERS}))"
)
_SPOKEN = rf"{_LOCAL}\s*{_AT}\s*{_DOMAIN}"
_EMAIL_RE = re.compile(rf"{_WRITTEN}|{_SPOKEN}", re.IGNORECASE)


def find_emails(text: str) -> list[tuple[int, int]]:
    """Character spans of e-mail addresses in the text."""
    return [(m.start(), m.end()) for m in _EMAIL_RE.finditer(text)]
