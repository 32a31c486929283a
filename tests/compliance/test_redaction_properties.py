"""Properties: spoken personal numbers never survive redaction; everyday numbers always do."""

import datetime
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calls.compliance.korean_numbers import find_digit_runs
from calls.compliance.number_rules import luhn_ok, rrn_checksum_ok
from calls.compliance.redaction import ALL_CATEGORIES, find_pii, redact

WORDS = "공일이삼사오육칠팔구"
ZERO_WORDS = ("공", "영")
# Lead-ins any number may follow; each kind of number adds what callers say before it.
PREFIXES = (
    "",
    "네, ",
    "음 그러니까 ",
    "불러드릴게요. ",
    "잠시만요, ",
    "적어 주세요 ",
)
PHONE_PREFIXES = (*PREFIXES, "제 번호는 ", "연락처는 ")
RRN_PREFIXES = (*PREFIXES, "주민번호는 ", "주민등록번호 ")
CARD_PREFIXES = (*PREFIXES, "카드번호는 ", "카드 ")
SUFFIXES = ("", "입니다", "이에요", "요", " 맞아요", "로 연락 주세요", ".", "이고요", " 이거요")
SEPARATORS = (" ", "-", ".", " 다시 ", "에 ", ", ", "", " 음 ", "… ")

digit = st.sampled_from("0123456789")


def digits(n: int) -> st.SearchStrategy[str]:
    """n random digits."""
    return st.lists(digit, min_size=n, max_size=n).map("".join)


@st.composite
def phone_numbers(draw) -> list[str]:
    """A Korean phone number as its natural groups ("010", "1234", "5678")."""
    kind = draw(st.sampled_from(["mobile", "old_mobile", "seoul", "area", "internet", "rep"]))
    middle = draw(st.sampled_from([3, 4]))
    first = draw(st.sampled_from("23456789"))
    if kind == "mobile":
        return ["010", draw(digits(4)), draw(digits(4))]
    if kind == "old_mobile":
        return [
            draw(st.sampled_from(["011", "016", "017", "018", "019"])),
            first + draw(digits(middle - 1)),
            draw(digits(4)),
        ]
    if kind == "seoul":
        return ["02", first + draw(digits(middle - 1)), draw(digits(4))]
    if kind == "area":
        return [
            draw(st.sampled_from(["031", "032", "051", "053", "062", "064"])),
            first + draw(digits(middle - 1)),
            draw(digits(4)),
        ]
    if kind == "internet":
        return ["070", draw(digits(4)), draw(digits(4))]
    return [draw(st.sampled_from(["15", "16", "18"])) + draw(digits(2)), draw(digits(4))]


@st.composite
def resident_numbers(draw) -> list[str]:
    """A 주민등록번호 or 외국인등록번호 with a real birth date (check digit valid or not)."""
    born = draw(st.dates(datetime.date(1930, 1, 1), datetime.date(2025, 12, 31)))
    if born.year >= 2000:
        gender = draw(st.sampled_from("3478"))
    else:
        gender = draw(st.sampled_from("1256"))
    body = born.strftime("%y%m%d") + gender + draw(digits(5))
    last = draw(digit)
    if draw(st.booleans()):  # pre-2020 numbers end in a check digit
        last = next(c for c in "0123456789" if rrn_checksum_ok(body + c))
    return [body[:6], body[6:] + last]


@st.composite
def card_numbers(draw) -> list[str]:
    """A 16-digit (four groups) or 15-digit (4-6-5) card number passing Luhn."""
    length = draw(st.sampled_from([15, 16]))
    body = draw(st.sampled_from("3456789")) + draw(digits(length - 2))
    number = body + next(c for c in "0123456789" if luhn_ok(body + c))
    if length == 15:
        return [number[:4], number[4:10], number[10:]]
    return [number[i : i + 4] for i in range(0, 16, 4)]


@st.composite
def spoken(draw, groups: list[str], prefixes: tuple[str, ...] = PREFIXES) -> str:
    """The groups as a caller would say them: digits, digit words or both, with fillers."""
    zero = draw(st.sampled_from(ZERO_WORDS))
    words = {str(d): w for d, w in enumerate(WORDS)} | {"0": zero}
    said: list[tuple[str, bool]] = []  # (text, said with place words)
    for group in groups:
        form = draw(st.sampled_from(["words", "digits", "spaced digits", "place words"]))
        if form == "place words" and len(group) in (3, 4) and group[0] != "0":
            said.append((place_words(group), True))
        elif form in ("words", "place words"):
            said.append(("".join(words[d] for d in group), False))
        elif form == "digits":
            said.append((group, False))
        else:
            said.append((" ".join(group), False))
    joined, placed = said[0]
    for part, part_placed in said[1:]:
        separator = draw(st.sampled_from(SEPARATORS))
        if not separator.strip() and (joined[-1].isdigit() or placed or part_placed):
            # Written digits run together would be one group, and nobody runs "천이백" into
            # the next digits or writes digit words straight onto digits ("0000공공").
            separator = " "
        joined += separator + part
        placed = part_placed
    return draw(st.sampled_from(prefixes)) + joined + draw(st.sampled_from(SUFFIXES))


def masked(text: str, label: str, longest_left: int) -> str:
    """The redacted text, after checking the number was there to find and is gone now."""
    assert longest_digit_run(text) >= 8, "the generated line must contain a whole number"
    redacted = redact(text)
    assert label in redacted
    assert longest_digit_run(redacted) <= longest_left
    return redacted


def place_words(group: str) -> str:
    """A 3- or 4-digit group said as a number: "1234" -> "천이백삼십사"."""
    places = ("천", "백", "십", "")[4 - len(group) :]
    said = ""
    for d, place in zip(group, places, strict=True):
        if d == "0":
            continue
        said += ("" if d == "1" and place else WORDS[int(d)]) + place
    return said


def longest_digit_run(text: str) -> int:
    """How many digits or digit words the longest surviving number has."""
    return max((len(run.digits) for run in find_digit_runs(text)), default=0)


# REDACTION_EXAMPLES=3000 for a longer hunt; the default keeps the suite quick.
fast = settings(
    max_examples=int(os.environ.get("REDACTION_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@fast
@given(st.data())
def test_a_spoken_phone_number_never_survives(data):
    text = data.draw(spoken(data.draw(phone_numbers()), PHONE_PREFIXES))
    masked(text, "[전화번호]", longest_left=2)


@fast
@given(st.data())
def test_a_spoken_resident_number_never_survives(data):
    text = data.draw(spoken(data.draw(resident_numbers()), RRN_PREFIXES))
    masked(text, "[주민번호]", longest_left=2)


@fast
@given(st.data())
def test_a_spoken_card_number_never_survives(data):
    text = data.draw(spoken(data.draw(card_numbers()), CARD_PREFIXES))
    masked(text, "[카드번호]", longest_left=2)


@fast
@given(st.data())
def test_several_numbers_in_one_line_are_all_masked(data):
    numbers = data.draw(
        st.lists(
            st.one_of(phone_numbers(), resident_numbers(), card_numbers()), min_size=2, max_size=3
        )
    )
    text = " 그리고 ".join(data.draw(spoken(groups)) for groups in numbers)
    assert longest_digit_run(redact(text)) < 10


@st.composite
def everyday_numbers(draw) -> str:
    """A number that is not personal data: a time, floor, count, price, date or order number."""
    n = draw(st.integers(1, 99))
    day = draw(st.dates(datetime.date(2000, 1, 1), datetime.date(2030, 12, 31)))
    shapes = [
        f"{draw(st.integers(1, 12))}시 {draw(st.integers(0, 59))}분",
        f"{n}층",
        f"{n}개",
        f"{draw(st.integers(1, 99))}만 원",
        f"{draw(st.integers(1000, 999000)):,}원",
        f"{day.year}년 {day.month}월 {day.day}일",
        day.strftime("%Y.%m.%d"),
        f"주문번호 {draw(st.integers(2000, 2030))}-{draw(digits(4))}",
        f"주문번호 {day.strftime('%Y%m%d')}-{draw(digits(5))}",
        f"{draw(st.integers(100, 2999))}호",
        f"{draw(st.integers(1, 9999))}번 버스",
        f"{n}명",
        f"{n}살",
    ]
    return draw(st.sampled_from(shapes))


@fast
@given(
    st.lists(everyday_numbers(), min_size=1, max_size=4),
    st.sampled_from([", ", " 그리고 ", "에 ", " "]),
)
def test_everyday_numbers_are_left_alone(pieces, joiner):
    text = "네, " + joiner.join(pieces) + "로 부탁드려요"
    assert redact(text) == text


any_number = st.one_of(phone_numbers(), resident_numbers(), card_numbers())
category_sets = st.frozensets(st.sampled_from(sorted(ALL_CATEGORIES)))


@fast
@given(st.data(), category_sets)
def test_only_enabled_categories_are_ever_masked(data, categories):
    text = data.draw(spoken(data.draw(any_number)))
    matches = find_pii(text, categories)
    assert {m.category for m in matches} <= categories
    if not categories & {"phone", "rrn", "card", "account", "caller_number"}:
        assert redact(text, categories) == text


@fast
@given(st.data())
def test_matches_are_ordered_disjoint_spans_inside_the_text(data):
    text = " 그리고 ".join(
        data.draw(spoken(g)) for g in data.draw(st.lists(any_number, max_size=3))
    )
    matches = find_pii(text)
    for match in matches:
        assert 0 <= match.start < match.end <= len(text)
    for first, second in zip(matches, matches[1:], strict=False):
        assert first.end <= second.start
    assert redact(redact(text)) == redact(text)


@fast
@given(st.data())
def test_the_callers_own_mobile_number_is_labelled_as_theirs(data):
    number = "010" + data.draw(digits(8))
    text = data.draw(spoken([number[:3], number[3:7], number[7:]]))
    assert "[발신번호]" in redact(text, caller_number="+82" + number[1:])


# (bank, group lengths) as Korean banks print their account numbers.
ACCOUNT_SHAPES = [
    ("국민은행", (6, 2, 6)),
    ("신한은행", (3, 3, 6)),
    ("우리은행", (4, 3, 6)),
    ("하나은행", (3, 6, 5)),
    ("농협", (3, 4, 4, 2)),
    ("카카오뱅크", (4, 2, 7)),
    ("토스뱅크", (4, 4, 4)),
    ("우체국", (6, 2, 6)),
]


@st.composite
def account_lines(draw) -> str:
    """A bank account read out after the bank's name and the word 계좌."""
    bank, shape = draw(st.sampled_from(ACCOUNT_SHAPES))
    groups = [draw(digits(n)) for n in shape]
    lead = draw(st.sampled_from([f"{bank} 계좌 ", f"환불 계좌는 {bank} ", f"{bank} 계좌번호는 "]))
    return lead + draw(spoken(groups, prefixes=("",)))


@fast
@given(account_lines())
def test_a_spoken_account_number_after_its_bank_never_survives(text):
    masked(text, "[계좌번호]", longest_left=2)


@st.composite
def spoken_everyday(draw) -> str:
    """Small numbers said in words: floors, minutes, counts, dates, exits."""
    d = draw(st.sampled_from(WORDS[1:]))
    return draw(
        st.sampled_from(
            [f"{d} 층", f"{d}층", f"{d} 분", f"{d}번 출구", f"{d}월 {d}일", f"{d} 인분", f"{d}시"]
        )
    )


@fast
@given(st.lists(st.one_of(everyday_numbers(), spoken_everyday()), min_size=1, max_size=5))
def test_everyday_numbers_in_words_and_digits_are_left_alone(pieces):
    text = "그럼 " + " ".join(pieces) + " 맞으시죠?"
    assert redact(text) == text
