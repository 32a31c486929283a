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
    # Words that carry on the same number ("공일공 일이삼사 그리고 오육칠팔").
    | {"그리고", "국번", "국번은", "다음", "다음은", "끝자리", "끝자리는", "마지막", "마지막은"}
)
_INNER_FILLER = "다시|대시|에|의|국에|국의|국"
# Endings a digit word may carry before the sentence goes on ("오육칠팔이에요").
_SUFFIX = (
    "이에요|이예요|예요|에요|입니다|이고요|이고|이구요|이요|이죠|이랑|인데요|인데|이야|이며|으로|로"
    "|요|하고|번이요|번|이구|고|까지|부터|을|를|은|는|가|도|만|에|의|다시"
)
_WORD_RE = re.compile(rf"^((?:[{_D}]+(?:{_INNER_FILLER})?)*[{_D}]+)({_SUFFIX})?$")
_DIGIT_CHUNK_RE = re.compile(rf"[{_D}]+")
_SUFFIX_RE = re.compile(_SUFFIX)
# A group said as a number with place words, as some callers read four digits: 천이백삼십사.
_NZ = "일이삼사오육칠팔구"
_POSITIONAL_RE = re.compile(
    rf"^(?P<value>(?P<thousands>[{_NZ[1:]}]?천)?(?P<hundreds>[{_NZ[1:]}]?백)?"
    rf"(?P<tens>[{_NZ[1:]}]?십)?(?P<ones>[{_NZ}])?)(?P<suffix>{_SUFFIX})?$"
)
# Amounts ("10,000원"), dates ("2024.12.25", "2024-12-25") and clock times ("15:30") are
# quantities, never part of an identifier; they end any number before them.
_QUANTITY = (
    r"[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])"
    r"|(?:19|20)[0-9]{2}(?P<sep>[./-])(?:0?[1-9]|1[0-2])(?P=sep)(?:0?[1-9]|[12][0-9]|3[01])(?![0-9])"
    r"|(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?![0-9])"
)
# Letters and digits written together are a code (a call SID, "SM-G991N", "5kg"), not a number.
_CODE = r"[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*"
_TOKEN_RE = re.compile(rf"(?P<quantity>{_QUANTITY})|(?P<code>{_CODE})|[0-9０-９]+|[가-힣]+|\S")
# Units written on a number make it a quantity ("3000원", "15일", "2층"). Left out: 번
# ("5678번이요" ends a phone number), and 만/주/도, which are also particles ("...5678만").
_UNIT_RE = re.compile(
    r"^(?:원|천|억|개|명|층|시|분|초|일|월|년|살|세|호|회|건|배|등|위|평|동|박|달|마리|권|장"
    r"|대|병|잔|인분|학년|반|퍼센트|프로|미터|킬로|그램|리터|%)"
)
# Characters that may sit between digit groups without ending the number.
_JOINERS = frozenset("-‐‑–—−.,·/()~_:+…")


@dataclass
class DigitRun:
    """A stretch of text read as one sequence of digits, with each digit's character span."""

    spans: list[tuple[int, int]] = field(default_factory=list)
    digits: list[str] = field(default_factory=list)
    spoken: list[bool] = field(default_factory=list)
    group_starts: set[int] = field(default_factory=set)
    # Final "이" that may be the copula or subject particle ("오육칠팔이에요"): index -> how
    # likely it is grammar rather than the digit 2 (0..1).
    particles: dict[int, float] = field(default_factory=dict)
    # A final 이 of a group said with place words that may be the copula ("구백팔십이요" is 982요
    # or 980이요): index -> the digit it stands for if it is the copula.
    alternates: dict[int, str] = field(default_factory=dict)
    # Positions inside a group said with place words, where no number can start or end.
    sealed: set[int] = field(default_factory=set)

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

    def drop_last_group(self) -> None:
        """Forget the last group (it turned out to be a quantity, "18000000원")."""
        cut = max(self.group_starts, default=0)
        del self.spans[cut:], self.digits[cut:], self.spoken[cut:]
        self.group_starts = {k for k in self.group_starts if k < cut}
        self.particles = {k: v for k, v in self.particles.items() if k < cut}
        self.alternates = {k: v for k, v in self.alternates.items() if k < cut}
        self.sealed = {k for k in self.sealed if k < cut}

    def short_written_groups(self) -> list[tuple[int, int]]:
        """Digit ranges of written groups of two or three digits ("2024.12.25" has two)."""
        starts = sorted(self.group_starts | {len(self.digits)})
        return [
            (a, b)
            for a, b in zip(starts, starts[1:], strict=False)
            if 1 < b - a < 4 and not self.spoken[a]
        ]

    def boundaries(self) -> tuple[set[int], set[int]]:
        """Positions where a number may start or end: (group-aligned, any allowed)."""
        n = len(self.digits)
        aligned = (self.group_starts | {n} | set(self.particles)) - self.sealed
        loose = set(aligned)
        for k in range(1, n):
            if (self.spoken[k - 1] or self.spoken[k]) and k not in self.sealed:
                loose.add(k)
        return aligned, loose


def _ascii_digit(ch: str) -> str:
    return chr(ord(ch) - 0xFF10 + 0x30) if "０" <= ch <= "９" else ch


def _spoken_groups(word: str, offset: int) -> tuple[list[list[tuple]], str] | None:
    """Digit groups of a word of digit syllables and fillers, and the ending after them."""
    match = _WORD_RE.match(word)
    if not match:
        return _positional_group(word, offset)
    groups: list[list[tuple]] = []
    for chunk in _DIGIT_CHUNK_RE.finditer(match.group(1)):
        groups.append(
            [
                (offset + i, offset + i + 1, DIGIT_WORDS[word[i]], True)
                for i in range(chunk.start(), chunk.end())
            ]
        )
    return groups, match.group(2) or ""


def _positional_group(word: str, offset: int) -> tuple[list[list[tuple]], str] | None:
    """A 3- or 4-digit group said as a number ("천이백삼십사" = 1234), or None.

    Every digit of such a group spans the whole word; the ending is reported as "place", or
    "place-copula" when a final 이 may be the copula.
    """
    match = _POSITIONAL_RE.match(word)
    if not match or not match.group("value"):
        return None
    places = [match.group(p) for p in ("thousands", "hundreds", "tens")] + [match.group("ones")]
    if places[0] is None and places[1] is None:
        return None  # "삼십", "이십사": too short to be part of a phone number
    suffix = match.group("suffix") or ""
    # "구백팔십이요" is 982 + 요 or 980 + 이요 (after 십 the copula keeps its 이); the
    # run keeps 2 and notes 0 as the other reading. "구백팔십이예요" can only be 982.
    ambiguous = places[3] == "이" and bool(suffix) and bool(_SUFFIX_RE.fullmatch("이" + suffix))
    values = [_place_value(p, last=k == 3) for k, p in enumerate(places)]
    if places[0] is None:
        values = values[1:]
    end = offset + len(word) - len(suffix)
    group = [(offset, end, v, True) for v in values]
    return [group], "place-copula" if ambiguous else "place"


def _place_value(place: str | None, last: bool) -> str:
    if not place:
        return "0"
    digit = place[:-1] if not last else place
    return DIGIT_WORDS[digit] if digit else "1"


def find_digit_runs(text: str) -> list[DigitRun]:
    """Split the text into runs of digits joined only by spaces, punctuation and fillers."""
    runs: list[DigitRun] = []
    current = DigitRun()
    word_final_i = -1  # index of the last digit of the last spoken word, if it ended the word
    ascii_end = -1  # where the last run of written digits ended

    def close() -> None:
        nonlocal current
        if current.digits:
            if word_final_i == len(current.digits) - 1 and word_final_i not in current.particles:
                _mark_particle(text, current, weight=0.5)
            runs.append(current)
        current = DigitRun()

    for token in _TOKEN_RE.finditer(text):
        word, start = token.group(), token.start()
        if token.group("quantity") or token.group("code"):
            close()
        elif word[0].isdigit():
            current.add_group(
                [(start + i, start + i + 1, _ascii_digit(ch), False) for i, ch in enumerate(word)]
            )
            ascii_end, word_final_i = token.end(), -1
        elif word in FILLER_WORDS or word in _JOINERS:
            pass  # the next digits start a new group of the same run
        elif start == ascii_end and _is_glued_unit(word):
            if _UNIT_RE.match(word):
                current.drop_last_group()  # "18000000원", "2024년": a quantity, not an identifier
            close()
        elif "가" <= word[0] <= "힣" and (parsed := _spoken_groups(word, start)):
            groups, suffix = parsed
            first = len(current.digits)
            for group in groups:
                current.add_group(group)
            word_final_i = len(current.digits) - 1
            if suffix.startswith("place"):
                current.sealed.update(range(first + 1, word_final_i + 1))
                current.particles[word_final_i] = 0.0  # handled by the alternate reading
                if suffix == "place-copula":
                    current.alternates[word_final_i] = "0"
            elif suffix.startswith("예"):  # "팔이예요" is 82 + 예요
                current.particles[word_final_i] = 0.0
            elif suffix:
                _mark_particle(text, current, weight=1.0)
        else:
            close()
    close()
    return runs


def _mark_particle(text: str, run: DigitRun, weight: float) -> None:
    """Note how likely the run's last digit, a spoken 이, is grammar ("팔이에요").

    Korean keeps the copula 이 after a final consonant ("팔이요") and mostly drops it after a
    vowel ("사요"), so a final 이 after 공, 일, 삼, 육, 칠, 팔 is more likely grammar; more so
    when an ending follows it in the same word (weight 1) than when the word ends (0.5).
    """
    k = len(run.digits) - 1
    if k < 1 or not run.spoken[k] or text[run.spans[k][0]] != "이" or not run.spoken[k - 1]:
        return
    before = text[run.spans[k - 1][0]]
    run.particles[k] = weight * (1.0 if (ord(before) - 0xAC00) % 28 else 0.5)


def _is_glued_unit(word: str) -> bool:
    """Whether a word written right on digits is a unit or particle ("15일", "850315이고").

    Three or more digit syllables ("0000공공공공") still read as more digits.
    """
    chunk = _DIGIT_CHUNK_RE.match(word)
    return chunk is None or chunk.end() < 3
