"""A call's cost from its response.done usage, against figures worked out by hand."""

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from arsproject.prices import DEFAULT_PRICES, price_table
from calls.live.observer import CallCounters, count_response_usage
from calls.models import Call
from calls.records.cost import cost_of, prices_for, usage_counts
from calls.records.services import finalize_call

# Two responses of a call, in the GA shape of response.done (protocol reference §5).
FIRST = {
    "total_tokens": 1300,
    "input_tokens": 1000,
    "output_tokens": 300,
    "input_token_details": {
        "text_tokens": 800,
        "audio_tokens": 200,
        "cached_tokens": 600,
        "cached_tokens_details": {"text_tokens": 600, "audio_tokens": 0},
    },
    "output_token_details": {"text_tokens": 60, "audio_tokens": 240},
}
SECOND = {
    "total_tokens": 1900,
    "input_tokens": 1500,
    "output_tokens": 400,
    "input_token_details": {
        "text_tokens": 900,
        "audio_tokens": 600,
        "cached_tokens": 1000,
        "cached_tokens_details": {"text_tokens": 800, "audio_tokens": 200},
    },
    "output_token_details": {"text_tokens": 80, "audio_tokens": 320},
}
PRICES = prices_for("gpt-realtime", DEFAULT_PRICES)


def test_cached_tokens_are_billed_once_at_the_cached_price():
    # text: 200 full @4 + 600 cached @0.40; audio: 200 full @32; out: 60 @16 + 240 @64 (per 1M)
    by_hand = (200 * 4 + 600 * 0.40 + 200 * 32 + 60 * 16 + 240 * 64) / 1_000_000
    assert cost_of(usage_counts(FIRST), PRICES) == Decimal(str(by_hand)).quantize(Decimal("1e-6"))
    assert by_hand == pytest.approx(0.02376)


def test_a_calls_usage_adds_up_over_its_responses():
    counters = CallCounters()
    count_response_usage(counters, FIRST)
    count_response_usage(counters, SECOND)
    assert (counters.input_tokens, counters.output_tokens) == (2500, 700)
    assert counters.usage == {
        "input_text": 1700,
        "input_audio": 800,
        "cached_text": 1400,
        "cached_audio": 200,
        "output_text": 140,
        "output_audio": 560,
    }
    # text 300 @4 + 1400 @0.40; audio 600 @32 + 200 @0.40; out 140 @16 + 560 @64
    by_hand = Decimal("0.001200") + Decimal("0.000560") + Decimal("0.019200")
    by_hand += Decimal("0.000080") + Decimal("0.002240") + Decimal("0.035840")
    assert cost_of(counters.usage, PRICES) == by_hand


def test_a_usage_without_details_is_counted_as_text_and_bad_values_as_zero():
    assert usage_counts({"input_tokens": 10, "output_tokens": "x"}) == {
        "input_text": 10,
        "input_audio": 0,
        "cached_text": 0,
        "cached_audio": 0,
        "output_text": 0,
        "output_audio": 0,
    }
    assert usage_counts(None)["input_text"] == 0


def test_cached_tokens_never_exceed_the_input_they_belong_to():
    usage = {"input_token_details": {"text_tokens": 5, "cached_tokens": 50}}
    assert usage_counts(usage)["cached_text"] == 5


def test_a_dated_model_uses_its_familys_prices_and_an_unknown_one_has_none():
    assert prices_for("gpt-realtime-2025-08-28", DEFAULT_PRICES) == PRICES
    assert prices_for("some-other-model", DEFAULT_PRICES) is None


def test_the_environment_adds_or_replaces_a_models_prices():
    row = dict.fromkeys(DEFAULT_PRICES["gpt-realtime"], "1")
    table = price_table("OPENAI_PRICES", json.dumps({"gpt-realtime-2": row}))
    assert table["gpt-realtime-2"]["audio_output"] == "1"
    assert table["gpt-realtime"] == DEFAULT_PRICES["gpt-realtime"]


@pytest.mark.parametrize(
    "raw",
    ["not json", "[]", '{"m": {"text_input": 1}}', '{"m": {"text_input": -1}}'],
)
def test_a_bad_price_table_fails_at_start_up_naming_the_variable(raw):
    with pytest.raises(ImproperlyConfigured, match="OPENAI_PRICES"):
        price_table("OPENAI_PRICES", raw)


@pytest.mark.django_db
def test_the_finished_call_stores_its_usage_and_cost(default_profile, settings):
    settings.OPENAI_PRICE_CURRENCY = "USD"
    Call.objects.create(
        call_sid="CAcost1", profile=default_profile, config={"model": "gpt-realtime"}
    )
    counters = CallCounters()
    count_response_usage(counters, FIRST)
    finalize_call("CAcost1", "caller_hangup", counters, {})
    call = Call.objects.get(call_sid="CAcost1")
    assert call.cost == Decimal("0.023760")
    assert call.cost_currency == "USD"
    assert call.usage["cached_text"] == 600


def test_metrics_export_the_cost_of_live_and_finished_calls(settings):
    from calls.operations.metrics import CallMetrics
    from tests.operations.test_metrics import bridge, value

    settings.OPENAI_PRICE_CURRENCY = "USD"
    one, two = bridge(), bridge()
    count_response_usage(one.counters, FIRST)
    count_response_usage(two.counters, FIRST)
    metrics = CallMetrics(lambda: [one, two])
    assert value(metrics, "ars_realtime_cost_total", currency="USD") == pytest.approx(2 * 0.02376)


@pytest.mark.django_db
def test_metrics_export_todays_cost_from_the_call_log(client, staff_user, default_profile):
    from django.utils import timezone

    from tests.operations.test_metrics import sample

    Call.objects.create(call_sid="CAcost2", profile=default_profile, cost=Decimal("0.5"))
    Call.objects.create(call_sid="CAcost3", profile=default_profile, cost=Decimal("0.25"))
    Call.objects.create(
        call_sid="CAcost4",
        profile=default_profile,
        cost=Decimal("9"),
        started_at=timezone.now() - timezone.timedelta(days=2),
    )
    client.force_login(staff_user)
    text = client.get("/metrics").content
    assert sample(text, "ars_calls_cost_today", currency=settings_currency()) == 0.75


def settings_currency() -> str:
    """The configured price currency."""
    from django.conf import settings

    return settings.OPENAI_PRICE_CURRENCY
