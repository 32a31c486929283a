"""The post-call summary is validated before it is stored; a bad one gives "요약 없음" and why."""

import json

import pytest

from calls.live.observer import CallCounters
from calls.models import NO_SUMMARY, Call, CallEvent
from calls.records.call_summary import InvalidSummary, instructions, parse_summary
from calls.records.services import store_summary
from prompts.models import DEFAULT_CALL_CATEGORIES, AgentProfile
from prompts.services import active_config

CATEGORIES = ["배송", "주문 변경", "환불", "불만", "상담원 연결 요청", "기타"]
GOOD = {
    "summary": "고객이 환불을 요청했습니다. 접수를 도와드렸습니다.",
    "category": "환불",
    "resolved": True,
    "sentiment": "중립",
}


def answer(**changes) -> str:
    """The model's answer: the good summary with some keys changed (None removes a key)."""
    data = {**GOOD, **changes}
    return json.dumps({k: v for k, v in data.items() if v is not None}, ensure_ascii=False)


def test_a_well_formed_answer_is_accepted():
    assert parse_summary(answer(), CATEGORIES) == GOOD


def test_a_markdown_fence_around_the_json_is_tolerated():
    assert parse_summary(f"```json\n{answer()}\n```", CATEGORIES) == GOOD


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty answer"),
        ("고객이 환불을 요청했습니다.", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        (answer(sentiment=None), "missing keys: sentiment"),
        (answer(mood="좋음"), "unexpected keys: mood"),
        (answer(summary="  "), "summary must be non-empty"),
        (answer(category="쇼핑"), "category '쇼핑' is not one of"),
        (answer(resolved="yes"), "resolved must be true or false"),
        (answer(sentiment="positive"), "sentiment 'positive' is not one of"),
    ],
)
def test_an_invalid_answer_is_refused_with_a_clear_reason(text, reason):
    with pytest.raises(InvalidSummary, match=reason):
        parse_summary(text, CATEGORIES)


def test_the_instructions_list_the_profiles_categories():
    text = instructions(["배송", "교환"])
    assert "배송, 교환" in text
    assert '"sentiment"' in text


@pytest.mark.django_db
def test_a_valid_answer_is_stored_on_the_call_with_a_timeline_entry(default_profile):
    call = Call.objects.create(call_sid="CAsummary1", profile=default_profile)
    store_summary(call.call_sid, answer(), CATEGORIES)
    call.refresh_from_db()
    assert (call.summary, call.category, call.resolved, call.sentiment) == (
        GOOD["summary"],
        "환불",
        True,
        "중립",
    )
    assert CallEvent.objects.get(call=call, kind="summary").data == GOOD


@pytest.mark.django_db
def test_an_invalid_answer_stores_no_summary_and_an_event_saying_why(default_profile):
    call = Call.objects.create(call_sid="CAsummary2", profile=default_profile)
    assert store_summary(call.call_sid, answer(category="쇼핑"), CATEGORIES) is None
    call.refresh_from_db()
    assert call.summary == NO_SUMMARY
    assert call.resolved is None
    event = CallEvent.objects.get(call=call, kind="summary_failed")
    assert "쇼핑" in event.data["reason"]


@pytest.mark.django_db
def test_a_profile_starts_with_the_default_categories_and_summaries_on(default_profile):
    profile = AgentProfile.objects.create(name="새 프로필")
    assert profile.category_list() == DEFAULT_CALL_CATEGORIES
    assert profile.summarize_calls is True


@pytest.mark.django_db
def test_the_edited_category_list_and_switch_are_frozen_onto_the_call(default_profile):
    default_profile.call_categories = "배송\n\n교환\n배송\n  기타  "
    default_profile.summarize_calls = False
    default_profile.save()
    config = active_config("+8215880000")
    assert config.call_categories == ("배송", "교환", "기타")
    assert config.summarize_calls is False
    assert type(config).from_dict(config.to_dict()) == config


def test_counters_start_with_no_usage():
    assert set(CallCounters().usage.values()) == {0}
