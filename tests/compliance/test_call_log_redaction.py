"""The call log masks personal data once per record: turns, deltas, events and tool arguments."""

import json
from dataclasses import replace

import pytest

from calls.live.observer import UtteranceRecord
from calls.monitoring import live_events as events
from calls.records import call_log
from calls.records.services import ClaimedCall
from prompts.snapshot import CallConfig
from tests.monitoring.test_watch_lease import RecordingPublisher

CALLER = "+821012345678"
CONFIG = CallConfig(
    profile_id=None,
    profile_name="기본",
    prompt_version_id=None,
    prompt_version_number=1,
    instructions="친절하게 답하세요.",
    greeting="안녕하세요",
    voice="alloy",
    transcription_language="ko",
    model="gpt-realtime",
)


class KeptRecords:
    """Stands in for the recorder: keeps the arguments of every write."""

    def __init__(self):
        self.rows: list[tuple] = []

    def record(self, call_sid, what, operation, *args):
        self.rows.append(args)


@pytest.fixture
def sinks(monkeypatch):
    """Capture what the call log would store and publish."""
    published, stored = RecordingPublisher(), KeptRecords()
    monkeypatch.setattr(events, "publisher", published)
    monkeypatch.setattr(call_log, "recorder", stored)
    return published, stored


def watched_log(config=CONFIG) -> call_log.CallLog:
    """A call log a supervisor is watching."""
    claimed = ClaimedCall(1, "CA" + "1" * 32, CALLER, "+8215880000", "", config)
    log = call_log.CallLog(claimed)
    log.watch(60)
    return log


def test_tool_arguments_and_results_are_masked_in_storage_and_on_the_socket(sinks):
    published, stored = sinks
    log = watched_log()
    arguments = json.dumps({"phone": "010-9876-5432"}, ensure_ascii=False)
    log.event("tool_call", {"name": "find_customer", "arguments": arguments}, 900)
    log.event("tool_result", {"result": {"rrn": "900101-1234567", "name": "홍길동"}}, 950)
    stored_data = [args[2] for args in stored.rows]
    published_data = [e.data for e in published.detail() if isinstance(e, events.TimelineEvent)]
    for data in (stored_data, published_data):
        text = json.dumps(data, ensure_ascii=False)
        assert "9876" not in text and "1234567" not in text
        assert "[전화번호]" in text and "[주민번호]" in text and "홍길동" in text


def test_the_callers_own_number_spoken_aloud_is_masked_as_such(sinks):
    _, stored = sinks
    log = watched_log()
    log.utterance(UtteranceRecord(speaker="caller", text="공일공 일이삼사 오육칠팔로 전화 주세요"))
    assert stored.rows[0][1]["text"] == "[발신번호]로 전화 주세요"


def test_a_category_switched_off_in_the_profile_is_left_as_said(sinks):
    _, stored = sinks
    config = replace(CONFIG, redact_categories=("rrn",))
    log = watched_log(config)
    log.utterance(UtteranceRecord(speaker="caller", text="010-9876-5432, 900101-1234567"))
    assert stored.rows[0][1]["text"] == "010-9876-5432, [주민번호]"


def test_raw_text_is_stored_beside_the_masked_text_only_when_the_profile_keeps_it(sinks):
    _, stored = sinks
    said = "제 번호는 010-9876-5432입니다"
    watched_log().utterance(UtteranceRecord(speaker="caller", text=said))
    keeping = watched_log(replace(CONFIG, keep_unredacted_text=True))
    keeping.utterance(UtteranceRecord(speaker="caller", text=said))
    assert "unredacted_text" not in stored.rows[0][1]
    assert stored.rows[1][1]["unredacted_text"] == said


def test_a_delta_never_shows_a_number_before_it_is_complete(sinks):
    published, _ = sinks
    log = watched_log()
    line = "제 번호는 010-9876-5432입니다"
    for end in range(1, len(line) + 1):
        log.transcript_delta("caller", "item_1", line[:end])
    texts = [e.text for e in published.detail() if isinstance(e, events.TranscriptDeltaEvent)]
    assert texts[-1] == "제 번호는 [전화번호]입니다"
    assert not [text for text in texts if "9876" in text or "5432" in text]


def test_ordinary_numbers_stay_readable(sinks):
    _, stored = sinks
    watched_log().utterance(UtteranceRecord(speaker="caller", text="3시 30분에 2층으로 갈게요"))
    assert stored.rows[0][1]["text"] == "3시 30분에 2층으로 갈게요"


def test_keys_and_codes_in_tool_results_are_not_taken_for_e_mail_addresses(sinks):
    _, stored = sinks
    result = {"error": "http_status", "status": 404, "data": "date_created", "mail": "a@b.kr"}
    watched_log().event("tool_result", {"result": result}, 1000)
    assert stored.rows[0][2]["result"] == {**result, "mail": "[이메일]"}


def test_the_post_call_summary_is_stored_masked(sinks):
    _, stored = sinks
    answer = '{"summary": "고객(010-9876-5432)이 환불을 요청함.", "category": "환불"}'
    watched_log().summary(answer, "", ("환불",))
    text = stored.rows[0][1]
    assert "9876" not in text and "[전화번호]" in text
