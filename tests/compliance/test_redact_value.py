"""Tool arguments, tool results and event data are redacted value by value."""

from calls.compliance.redaction import redact_value


def test_strings_inside_nested_dicts_and_lists_are_redacted():
    event = {"type": "transcript", "data": {"lines": ["공일공 일이삼사 오육칠팔이요", "2층이요"]}}
    assert redact_value(event) == {
        "type": "transcript",
        "data": {"lines": ["[전화번호]이요", "2층이요"]},
    }


def test_a_field_name_says_what_a_bare_number_is():
    arguments = {"account_number": "110123456789", "bank": "신한", "amount": 30000}
    assert redact_value(arguments) == {
        "account_number": "[계좌번호]",
        "bank": "신한",
        "amount": 30000,
    }


def test_a_number_value_under_a_personal_field_is_replaced_by_its_label():
    assert redact_value({"card": 4111111111111111, "quantity": 4111111111111111}) == {
        "card": "[카드번호]",
        "quantity": 4111111111111111,
    }


def test_a_malformed_number_in_a_personal_field_is_masked_whole():
    assert redact_value({"phone": "1234-5678-901"}) == {"phone": "[전화번호]"}


def test_an_order_field_keeps_its_number():
    result = {"order_id": "20241206-12345", "status": "배송 중"}
    assert redact_value(result) == result


def test_a_disabled_category_is_kept_even_under_a_named_field():
    assert redact_value({"phone": "010-1234-5678"}, frozenset({"email"})) == {
        "phone": "010-1234-5678"
    }


def test_tuples_stay_tuples_and_other_values_are_untouched():
    assert redact_value(("a@b.co.kr", True, None, 2.5)) == ("[이메일]", True, None, 2.5)


def test_the_callers_number_in_twilio_parameters_gets_its_own_label():
    params = {"From": "+821055556666", "To": "+8215881234", "CallStatus": "ringing"}
    assert redact_value(params, caller_number="+821055556666") == {
        "From": "[발신번호]",
        "To": "[전화번호]",
        "CallStatus": "ringing",
    }
