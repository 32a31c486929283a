"""The public redaction interface other modules build on."""

from calls.compliance.redaction import (
    ALL_CATEGORIES,
    CATEGORIES,
    Match,
    find_pii,
    redact,
    redact_value,
)


def test_every_category_has_a_korean_label():
    assert CATEGORIES == {
        "phone": "[전화번호]",
        "rrn": "[주민번호]",
        "card": "[카드번호]",
        "account": "[계좌번호]",
        "email": "[이메일]",
        "caller_number": "[발신번호]",
    }
    assert frozenset(CATEGORIES) == ALL_CATEGORIES


def test_find_pii_reports_spans_and_categories():
    text = "제 번호는 010-1234-5678입니다"
    assert find_pii(text) == [Match(6, 19, "phone")]


def test_a_disabled_category_is_left_in_clear():
    text = "010-1234-5678, hong@example.com"
    assert redact(text, frozenset({"email"})) == "010-1234-5678, [이메일]"


def test_the_callers_own_number_gets_its_own_label():
    said = "제 번호 공일공 일이삼사 오육칠팔이요"
    assert redact(said, caller_number="+821012345678") == "제 번호 [발신번호]이요"


def test_the_callers_number_falls_back_to_phone_when_its_category_is_off():
    said = "공일공 일이삼사 오육칠팔"
    only_phone = frozenset({"phone"})
    assert redact(said, only_phone, caller_number="+821012345678") == "[전화번호]"


def test_redact_value_walks_dicts_and_lists_and_keeps_other_types():
    value = {"args": {"phone": "010-1234-5678", "count": 3}, "items": ["2층", "a@b.co.kr"]}
    assert redact_value(value) == {
        "args": {"phone": "[전화번호]", "count": 3},
        "items": ["2층", "[이메일]"],
    }


def test_empty_text_stays_empty():
    assert redact("") == ""
    assert find_pii("") == []
