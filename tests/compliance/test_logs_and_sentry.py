"""Log lines and Sentry reports carry no personal numbers a caller said."""

import logging

from arsproject.observability import Scrubber
from calls.compliance.log_redaction import RedactingFilter


def test_a_log_line_is_masked_before_any_handler_writes_it():
    record = logging.LogRecord(
        "calls.live.bridge",
        logging.WARNING,
        __file__,
        1,
        "tool failed for %s (%s)",
        ("010-9876-5432", "900101-1234567"),
        None,
    )
    assert RedactingFilter().filter(record) is True
    assert record.getMessage() == "tool failed for [전화번호] ([주민번호])"


def test_a_line_without_personal_data_keeps_its_format_arguments():
    record = logging.LogRecord(
        "calls", logging.INFO, __file__, 1, "call %s answered", ("CA" + "1" * 32,), None
    )
    RedactingFilter().filter(record)
    assert record.args == ("CA" + "1" * 32,)


def test_the_configured_handlers_use_the_filter(settings):
    for handler in settings.LOGGING["handlers"].values():
        assert "personal_data" in handler["filters"]


def test_a_sentry_event_loses_resident_and_card_numbers_from_messages():
    scrub = Scrubber(secrets=[])
    event = {
        "exception": {"values": [{"value": "lookup failed: 900101-1234567 / 4111-1111-1111-1111"}]},
        "extra": {"said": "제 번호는 공일공 구팔칠육 오사삼이예요"},
    }
    cleaned = scrub(event, None)
    assert cleaned["exception"]["values"][0]["value"] == "lookup failed: [주민번호] / [카드번호]"
    assert cleaned["extra"]["said"] == "제 번호는 [전화번호]예요"


def test_english_words_around_at_are_not_taken_for_an_e_mail_in_logs():
    record = logging.LogRecord(
        "calls", logging.INFO, __file__, 1, "reconnect attempt %d/%d at %s", (1, 3, "boot"), None
    )
    RedactingFilter().filter(record)
    assert record.getMessage() == "reconnect attempt 1/3 at boot"
    written = logging.LogRecord(
        "calls", logging.INFO, __file__, 1, "mail: %s", ("kim.cs@example.co.kr",), None
    )
    RedactingFilter().filter(written)
    assert written.getMessage() == "mail: [이메일]"


def test_a_sentry_message_in_english_keeps_its_words_and_loses_a_spoken_korean_e_mail():
    scrub = Scrubber(secrets=[])
    assert scrub.clean_text("retry 2/3 at startup failed") == "retry 2/3 at startup failed"
    assert "kim" not in scrub.clean_text("메일은 kim 골뱅이 naver 점 com 입니다")
