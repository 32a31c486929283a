"""GET /metrics: Prometheus text read from the live bridges, plus totals of finished calls."""

import gc

import pytest
from django.urls import reverse
from prometheus_client.parser import text_string_to_metric_families

from calls.live.bridge import BridgeSettings, CallBridge
from calls.live.phase import CallPhase
from calls.live.realtime_client import RealtimeEndpoint
from calls.models import ApiToken
from calls.monitoring.live_events import publisher
from calls.operations.metrics import CallMetrics, call_metrics, record_finished
from calls.records.recorder import recorder
from tests.calls.waiting import eventually


async def ignore(*args) -> None:
    """A socket side that goes nowhere."""


def bridge(frames_in=0, frames_out=0, latencies_ms=(), reactions_s=(), errors=0) -> CallBridge:
    """A real, unconnected bridge with the counters a call would have left on it."""
    endpoint = RealtimeEndpoint("ws://127.0.0.1:9/v1/realtime", "sk-test", "gpt-realtime")
    made = CallBridge(BridgeSettings(endpoint=endpoint), ignore, ignore)
    made.frames_in, made.agent_audio.frames_out = frames_in, frames_out
    made.counters.latencies_ms.extend(latencies_ms)
    made.counters.protocol_errors = errors
    made.agent_audio.barge_in_reaction_s.extend(reactions_s)
    return made


def value(metrics: CallMetrics, name: str, **labels) -> float:
    """One sample of a scrape, as Prometheus would read it from the text."""
    return sample(metrics.render(), name, **labels)


def sample(text: bytes, name: str, **labels) -> float:
    """Find one sample in a Prometheus exposition."""
    for family in text_string_to_metric_families(text.decode()):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return found.value
    raise AssertionError(f"{name} {labels} not in the scrape")


def test_it_sums_the_frames_of_live_bridges_at_scrape_time():
    bridges = [bridge(frames_in=10, frames_out=4), bridge(frames_in=5, frames_out=1)]
    metrics = CallMetrics(lambda: bridges)
    assert value(metrics, "ars_active_calls") == 2
    assert value(metrics, "ars_twilio_frames_in_total") == 15
    assert value(metrics, "ars_twilio_frames_out_total") == 5
    bridges[0].frames_in += 50  # the hot path's increment is all a scrape needs
    assert value(metrics, "ars_twilio_frames_in_total") == 65


def test_a_closed_bridge_is_no_longer_an_active_call_but_its_frames_still_count():
    bridges = [bridge(frames_in=10), bridge(frames_in=3)]
    bridges[0].phase.to(CallPhase.CLOSED)
    metrics = CallMetrics(lambda: bridges)
    assert value(metrics, "ars_active_calls") == 1
    assert value(metrics, "ars_twilio_frames_in_total") == 13


def test_a_finished_call_stays_in_the_totals_after_its_bridge_is_gone():
    bridges = [bridge(frames_in=100, frames_out=40, errors=2), bridge(frames_in=7)]
    metrics = CallMetrics(lambda: bridges)
    bridges[0].phase.to(CallPhase.CLOSED)
    metrics.record_finished(bridges[0])
    bridges.pop(0)
    assert value(metrics, "ars_twilio_frames_in_total") == 107
    assert value(metrics, "ars_twilio_frames_out_total") == 40
    assert value(metrics, "ars_protocol_errors_total") == 2
    assert value(metrics, "ars_calls_finished_total") == 1
    assert value(metrics, "ars_active_calls") == 1


def test_a_bridge_recorded_twice_or_still_in_the_live_set_is_counted_once():
    finished = bridge(frames_in=20)
    metrics = CallMetrics(lambda: [finished])
    metrics.record_finished(finished)
    metrics.record_finished(finished)
    assert value(metrics, "ars_twilio_frames_in_total") == 20
    assert value(metrics, "ars_calls_finished_total") == 1
    assert value(metrics, "ars_active_calls") == 0


def test_turn_latencies_and_barge_in_reactions_are_observed_when_a_call_finishes():
    finished = bridge(latencies_ms=[400, 900, 2500], reactions_s=[0.002, 0.03])
    metrics = CallMetrics(lambda: [finished])
    assert value(metrics, "ars_turn_latency_seconds_count") == 0
    metrics.record_finished(finished)
    assert value(metrics, "ars_turn_latency_seconds_count") == 3
    assert value(metrics, "ars_turn_latency_seconds_bucket", le="0.5") == 1
    assert value(metrics, "ars_turn_latency_seconds_bucket", le="1.0") == 2
    assert value(metrics, "ars_turn_latency_seconds_sum") == pytest.approx(3.8)
    assert value(metrics, "ars_barge_in_reaction_seconds_count") == 2
    assert value(metrics, "ars_barge_in_reaction_seconds_bucket", le="0.005") == 1


def test_caller_audio_lost_to_the_not_ready_bound_is_counted():
    bridges = [bridge(), bridge()]
    bridges[1].caller_audio.frames_dropped = 7
    metrics = CallMetrics(lambda: bridges)
    assert value(metrics, "ars_caller_frames_dropped_total") == 7


def test_reconnects_and_tokens_are_summed_too():
    one, two = bridge(), bridge()
    one.reconnects, two.reconnects = 1, 2
    one.counters.input_tokens, two.counters.output_tokens = 300, 120
    metrics = CallMetrics(lambda: [one, two])
    assert value(metrics, "ars_realtime_reconnects_total") == 3
    assert value(metrics, "ars_realtime_tokens_total", kind="input") == 300
    assert value(metrics, "ars_realtime_tokens_total", kind="output") == 120


def test_it_reports_the_recorder_backlog_and_losses_and_the_monitor_drops(monkeypatch):
    monkeypatch.setattr(recorder, "lost", 4)
    monkeypatch.setattr(publisher, "dropped", 9)
    monkeypatch.setattr(publisher, "failures", 2)
    metrics = CallMetrics(list)
    assert value(metrics, "ars_recorder_backlog") == recorder.backlog
    assert value(metrics, "ars_recorder_lost_total") == 4
    assert value(metrics, "ars_monitor_events_dropped_total") == 9
    assert value(metrics, "ars_monitor_publish_failures_total") == 2


def test_record_finished_feeds_the_process_metrics(no_leftover_bridges):
    before = value(call_metrics, "ars_twilio_frames_in_total")
    count_before = value(call_metrics, "ars_turn_latency_seconds_count")
    finished = bridge(frames_in=11, latencies_ms=[700])
    finished.phase.to(CallPhase.CLOSED)
    record_finished(finished)
    del finished
    assert value(call_metrics, "ars_twilio_frames_in_total") == before + 11
    assert value(call_metrics, "ars_turn_latency_seconds_count") == count_before + 1


# --- who may scrape ------------------------------------------------------------------------


def issue_token(user) -> str:
    """A fresh API token for this user; returns its secret."""
    token = ApiToken(name="prometheus", user=user)
    raw = token.issue()
    token.save()
    return raw


@pytest.mark.django_db
def test_an_anonymous_scrape_is_refused_with_401(client):
    assert client.get(reverse("metrics")).status_code == 401


@pytest.mark.django_db
def test_a_wrong_token_is_refused_with_401(client):
    assert client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer nope").status_code == 401


@pytest.mark.django_db
def test_someone_not_staff_is_refused_with_403(client, django_user_model):
    user = django_user_model.objects.create_user(username="clerk", password="pw-clerk-1")
    assert (
        client.get(reverse("metrics"), HTTP_AUTHORIZATION=f"Bearer {issue_token(user)}").status_code
        == 403
    )
    client.force_login(user)
    assert client.get(reverse("metrics")).status_code == 403


@pytest.mark.django_db
def test_a_staff_session_gets_prometheus_text(client, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("metrics"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert sample(response.content, "ars_active_calls") >= 0


@pytest.mark.django_db
def test_a_staff_api_token_gets_prometheus_text(client, staff_user):
    response = client.get(
        reverse("metrics"), HTTP_AUTHORIZATION=f"Bearer {issue_token(staff_user)}"
    )
    assert response.status_code == 200
    assert b"ars_twilio_frames_in_total" in response.content


@pytest.mark.django_db
def test_metrics_accepts_only_get(client, staff_user):
    client.force_login(staff_user)
    assert client.post(reverse("metrics")).status_code == 405


# --- a real call ---------------------------------------------------------------------------


def bridge_of(call) -> CallBridge:
    """The server-side bridge of a simulated call."""
    (found,) = [b for b in list(CallBridge.live) if b.stream_sid == call.stream_sid]
    return found


@pytest.fixture
def no_leftover_bridges():
    """Collect bridges of earlier tests now, so none vanishes from the sums mid-test."""
    gc.collect()


@pytest.mark.django_db(transaction=True)
async def test_a_live_call_shows_up_while_it_runs_and_stays_in_the_totals(
    no_leftover_bridges, fake_ai, make_caller, drained
):
    frames_before = value(call_metrics, "ars_twilio_frames_in_total")
    active_before = value(call_metrics, "ars_active_calls")
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await session.wait_for_client_event("session.update")
    await call.send_silence(400)
    await eventually(
        lambda: value(call_metrics, "ars_twilio_frames_in_total") >= frames_before + 20
    )
    assert value(call_metrics, "ars_active_calls") == active_before + 1
    running = bridge_of(call)
    await call.hang_up()
    await eventually(lambda: running.closed)
    record_finished(running)  # what the bridge's teardown calls
    frames = running.frames_in
    await drained()
    assert value(call_metrics, "ars_active_calls") == active_before
    assert value(call_metrics, "ars_twilio_frames_in_total") >= frames_before + frames


@pytest.mark.django_db(transaction=True)
async def test_it_counts_the_asyncio_tasks_so_a_soak_can_see_a_leak(fake_ai, make_caller, drained):
    import asyncio

    def bridge_tasks() -> set[str]:
        return {t.get_name() for t in asyncio.all_tasks() if t.get_name().startswith("bridge-")}

    assert value(call_metrics, "ars_asyncio_tasks") == len(asyncio.all_tasks())
    call = await make_caller().dial()
    await fake_ai.next_session()
    await call.wait_for(lambda c: c.heard_ms > 0, timeout=10)
    assert "bridge-realtime" in bridge_tasks()
    assert value(call_metrics, "ars_asyncio_tasks") == len(asyncio.all_tasks())
    await call.hang_up()
    await drained()
    await eventually(lambda: not bridge_tasks())  # the call's tasks end with it
    assert value(call_metrics, "ars_asyncio_tasks") == len(asyncio.all_tasks())


def test_outside_an_event_loop_the_task_count_is_left_out():
    with pytest.raises(AssertionError, match="ars_asyncio_tasks"):
        value(CallMetrics(bridges=lambda: []), "ars_asyncio_tasks")
