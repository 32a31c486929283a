"""A finished call shows in /metrics: frames both ways, turns, latency and the call count."""

import re

import pytest
from asgiref.sync import sync_to_async

from calls.operations.metrics import call_metrics
from tests.calls.waiting import delivered, eventually

pytestmark = pytest.mark.django_db(transaction=True)


def metric(text: str, name: str) -> float:
    """The value of one un-labelled metric in Prometheus text."""
    match = re.search(rf"^{name}(?:_total)? ([0-9.e+]+)$", text, re.MULTILINE)
    assert match, f"{name} missing"
    return float(match.group(1))


async def test_a_finished_call_is_counted(fake_ai, make_caller, client, staff_user):
    before_calls = call_metrics.calls_finished
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await eventually(lambda: delivered(call, session))
    await call.wait_for(lambda c: c.buffered_ms == 0, timeout=10)
    await call.send_speech(600)
    await call.wait_for(
        lambda c: sum(r.event["type"] == "response.done" for r in session.sent) >= 2, timeout=10
    )
    await call.hang_up()
    await eventually(lambda: call_metrics.calls_finished == before_calls + 1)
    await sync_to_async(client.force_login)(staff_user)
    text = (await sync_to_async(client.get)("/metrics")).content.decode()
    assert metric(text, "ars_calls_finished") >= 1
    assert metric(text, "ars_twilio_frames_in") > 0
    assert metric(text, "ars_twilio_frames_out") > 0
    assert metric(text, "ars_agent_turns") >= 2
    assert metric(text, "ars_turn_latency_seconds_count") >= 1
