"""Find runs of spoken or written digits in Korean text (digits, Sino-Korean digit words, mixed)."""

import re
from dataclasses import dataclass, field

# Sino-Korean digit syllables as callers read numbers out one digit at a time.
DIGIT_WORDS = {
    "공": "0",
    "영": "0",
    "빵": "0",
    "일": "1",
    "이": "2",
    "삼": "3",
    "사": "4",
    "오": "5",
    "육": "6",
    "륙": "6",
    "칠": "7",
    "팔": "8",
    "구": "9",
}
_D = "".join(DIGIT_WORDS)

# Words spoken between digit groups ("공일공 다시 일이삼사", "공일공에 일이삼사").
FILLER_WORDS = frozenset(
    {"다시", "대시", "에", "의", "하이픈", "빼기", "국", "국에", "국의"}
    # Hesitations callers make while reading a number.
    | {"음", "어", "아", "으", "그", "저", "엄", "흠"}
)
_INNER_FILLER = "다시|대시|에|의|국에|국의|국"
# Endings a digit word may carry before the sentence goes on ("오육칠팔이에요").
_SUFFIX = (
    "이에요|이예요|예요|에요|입니다|이고요|이고|이구요|이요|이죠|이랑|인데요|인데|이야|이며|으로|로"
    "|요|하고|번이요|번|이구|고|까지|부터|을|를|은|는|가|도|만|에|의|다시"
)
_WORD_RE = re.compile(rf"^((?:[{_D}]+(?:{_INNER_FILLER})?)*[{_D}]+)({_SUFFIX})?$")
_SUFFIX_RE = re.compile(rf"^(?:{_SUFFIX})")
_DIGIT_CHUNK_RE = re.compile(rf"[{_D}]+")
_TOKEN_RE = re.compile(r"[0-9０-９]+|[가-힣]+|\S")
# Characters that may sit between digit groups without ending the number.
_JOINERS = frozenset("-‐‑–—−.,·/()~_:+…")


@dataclass
class DigitRun:
    """A stretch of text read as one sequence of digits, with each digit's character span."""

    spans: list[tuple[int, int]] = field(default_factory=list)
    digits: list[str] = field(default_factory=list)
    spoken: list[bool] = field(default_factory=list)
    group_starts: set[int] = field(default_factory=set)
    # Indices of a final "이" that may be the copula or subject particle ("오육칠팔이에요").
    particles: set[int] = field(default_factory=set)

    @property
    def text(self) -> str:
        """The digits as one ASCII string."""
        return "".join(self.digits)

    def add_group(self, items: list[tuple[int, int, str, bool]]) -> None:
        """Append one group of (start, end, digit, spoken) items."""
        self.group_starts.add(len(self.digits))
        for start, end, digit, spoken in items:
            self.spans.append((start, end))
            self.digits.append(digit)
            self.spoken.append(spoken)

    def boundaries(self) -> tuple[set[int], set[int]]:
        """Positions where a number may start or end: (group-aligned, any allowed)."""
        n = len(self.digits)
        aligned = self.group_starts | {n} | self.particles
        loose = set(aligned)
        for k in range(1, n):
            if self.spoken[k - 1] or self.spoken[k]:
                loose.add(k)
        return aligned, loose


def _ascii_digit(ch: str) -> str:
    return chr(ord(ch) - 0xFF10 + 0x30) if "０" <= ch <= "９" else ch


def _spoken_groups(word: str, offset: int) -> tuple[list[list[tuple]], bool] | None:
    """Digit groups of a word of digit syllables and fillers, and whether a suffix ends it."""
    match = _WORD_RE.match(word)
    if not match:
        return None
    groups: list[list[tuple]] = []
    for chunk in _DIGIT_CHUNK_RE.finditer(match.group(1)):
        groups.append(
            [
                (offset + i, offset + i + 1, DIGIT_WORDS[word[i]], True)
                for i in range(chunk.start(), chunk.end())
            ]
        )
    return groups, match.group(2) is not None


def find_digit_runs(text: str) -> list[DigitRun]:
    """Split the text into runs of digits joined only by spaces, punctuation and fillers."""
    runs: list[DigitRun] = []
    current = DigitRun()
    word_final_i = -1  # index of the last digit of the last spoken word, if it ended the word
    ascii_end = -1  # where the last run of written digits ended

    def close() -> None:
        nonlocal current
        if current.digits:
            if word_final_i == len(current.digits) - 1 and _copula_like(text, current, -1):
                current.particles.add(word_final_i)
            runs.append(current)
        current = DigitRun()

    for token in _TOKEN_RE.finditer(text):
        word, start = token.group(), token.start()
        if word[0].isdigit():
            current.add_group(
                [(start + i, start + i + 1, _ascii_digit(ch), False) for i, ch in enumerate(word)]
            )
            ascii_end, word_final_i = token.end(), -1
        elif word in FILLER_WORDS or word in _JOINERS:
            if word in FILLER_WORDS or word in ".,…":
                current.group_starts.add(len(current.digits))
        elif start == ascii_end and _SUFFIX_RE.match(word):
            close()  # "850315이고": a particle written on the digits, not the digit 이
        elif "가" <= word[0] <= "힣" and (parsed := _spoken_groups(word, start)):
            groups, has_suffix = parsed
            for group in groups:
                current.add_group(group)
            word_final_i = len(current.digits) - 1
            if has_suffix and _copula_like(text, current, -1):
                current.particles.add(word_final_i)
        else:
            close()
    close()
    return runs


def _copula_like(text: str, run: DigitRun, k: int) -> bool:
    """Whether digit k is a spoken 이 after a syllable with a final consonant ("팔이에요").

    Korean drops the copula 이 after a vowel ("사요") and keeps it after a consonant ("팔이요"),
    so only then is a final 이 more likely grammar than the digit 2.
    """
    if len(run.digits) < 2 or not run.spoken[k] or text[run.spans[k][0]] != "이":
        return False
    before = text[run.spans[k - 1][0]]
    return "가" <= before <= "힣" and (ord(before) - 0xAC00) % 28 != 0
