"""A call publishes its detail stream only while a supervisor watches it; the wallboard always."""

import pytest
from channels.layers import get_channel_layer

from calls.live.observer import CallCounters, UtteranceRecord
from calls.monitoring import live_events as events
from calls.monitoring.live_events import WALLBOARD_GROUP, call_group, control_group, watch_message
from calls.records import call_log
from calls.records.services import ClaimedCall
from prompts.snapshot import CallConfig
from tests.calls.conftest import drained, fake_ai, make_caller, realtime_script  # noqa: F401
from tests.monitoring.sockets import TIMEOUT, open_monitor, received_before_marker, subscribe
from tests.monitoring.test_supervisor_actions_reach_the_bridge import in_memory_layer  # noqa: F401


class RecordingPublisher:
    """Stands in for the channel-layer publisher: keeps what would have been sent, and where."""

    def __init__(self):
        self.sent: list[tuple[events.MonitorEvent, bool]] = []

    def publish(self, event, *, to_call_group=True):
        self.sent.append((event, to_call_group))

    def detail(self) -> list[events.MonitorEvent]:
        """Events that went to the call's own group (what a watcher receives)."""
        return [event for event, to_call_group in self.sent if to_call_group]


class NullRecorder:
    """The database side is not under test here."""

    def record(self, *args):
        pass


class Clock:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def published(monkeypatch):
    """Capture CallLog's publishes instead of sending them to a channel layer."""
    recording = RecordingPublisher()
    monkeypatch.setattr(events, "publisher", recording)
    monkeypatch.setattr(call_log, "recorder", NullRecorder())
    return recording


def new_call_log(clock) -> call_log.CallLog:
    config = CallConfig(
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
    claimed = ClaimedCall(1, "CA" + "1" * 32, "+821012345678", "+8215880000", "", config)
    return call_log.CallLog(claimed, clock=clock)


def agent_turn(log: call_log.CallLog, item_id: str, text: str) -> None:
    log.transcript_delta("agent", item_id, text[:2])
    log.transcript_delta("agent", item_id, text)
    log.utterance(UtteranceRecord(speaker="agent", text=text, item_id=item_id))
    log.turn_metrics(item_id, {"first_audio_from_ai_ms": 300})
    log.event("dtmf", {"digit": "1"}, 1200)


def test_an_unwatched_call_sends_only_status_to_the_wallboard(published):
    log = new_call_log(Clock())
    log.state_changed(events.CallState.AGENT_SPEAKING, CallCounters())
    agent_turn(log, "item_1", "안녕하세요")
    assert published.detail() == []
    assert [type(event) for event, _ in published.sent] == [events.CallStatusEvent]
    assert published.sent[0][0].seq == 1


def test_a_new_watcher_gets_status_finished_turns_and_text_in_progress_then_live_events(
    published,
):
    clock = Clock()
    log = new_call_log(clock)
    log.state_changed(events.CallState.AGENT_SPEAKING, CallCounters(turns=2))
    for n in range(1, 6):
        agent_turn(log, f"item_{n}", f"{n}번째 답변입니다")
    log.transcript_delta("caller", "item_6", "배송")

    log.watch(60)
    caught_up = published.detail()
    assert [type(e).__name__ for e in caught_up] == [
        "CallStatusEvent",
        "UtteranceEvent",
        "UtteranceEvent",
        "UtteranceEvent",
        "TranscriptDeltaEvent",
    ]
    assert caught_up[0].turns == 2
    assert [e.item_id for e in caught_up[1:4]] == ["item_3", "item_4", "item_5"]
    assert (caught_up[4].speaker, caught_up[4].text) == ("caller", "배송")

    log.transcript_delta("caller", "item_6", "배송 조회")
    agent_turn(log, "item_7", "조회해 드리겠습니다")
    detail = published.detail()
    assert [e.seq for e in detail] == list(range(detail[0].seq, detail[0].seq + len(detail)))
    kinds = [type(e).__name__ for e in detail[len(caught_up) :]]
    assert kinds == [
        "TranscriptDeltaEvent",
        "TranscriptDeltaEvent",
        "TranscriptDeltaEvent",
        "UtteranceEvent",
        "TurnMetricsEvent",
        "TimelineEvent",
    ]


def test_the_lease_runs_out_unless_renewed_and_a_renewal_does_not_repeat_the_catch_up(published):
    clock = Clock()
    log = new_call_log(clock)
    log.watch(60)
    clock.now += 40
    log.watch(60)  # renewed while running: no second catch-up
    assert len(published.detail()) == 1
    clock.now += 59
    agent_turn(log, "item_1", "아직 보고 있습니다")
    assert len(published.detail()) == 1 + 5
    clock.now += 2  # 101 s after the renewal at 40 s: over
    agent_turn(log, "item_2", "이제 아무도 안 봅니다")
    log.state_changed(events.CallState.IDLE, CallCounters())
    assert len(published.detail()) == 1 + 5
    assert published.sent[-1] == (published.sent[-1][0], False)  # the wallboard still has it


def test_a_negative_or_zero_lease_watches_nothing(published):
    log = new_call_log(Clock())
    log.watch(0)
    log.watch(-5)
    agent_turn(log, "item_1", "안녕하세요")
    assert published.detail() == []


@pytest.mark.django_db(transaction=True)
async def test_through_the_bridge_only_the_watched_call_reaches_its_group(
    fake_ai,  # noqa: F811
    make_caller,  # noqa: F811
    drained,  # noqa: F811
    staff_user,
):
    layer = get_channel_layer()
    watched = await make_caller().dial()
    unwatched = await make_caller().dial()
    spy = await layer.new_channel()
    await layer.group_add(call_group(unwatched.call_sid), spy)
    wallboard = await layer.new_channel()
    await layer.group_add(WALLBOARD_GROUP, wallboard)
    page = await open_monitor(staff_user)
    await subscribe(page, "call", watched.call_sid)
    for call in (watched, unwatched):
        await call.wait_for(lambda c: c.heard_ms > 0 and c.buffered_ms == 0, timeout=10)

    greeting = []
    while not greeting or greeting[-1]["type"] != "call.utterance":
        greeting.append(await page.receive_json_from(timeout=TIMEOUT))
    assert greeting[-1]["text"].startswith("안녕하세요")
    await events.publisher.flush()
    board = await received_before_marker(layer, WALLBOARD_GROUP, wallboard)
    assert {e["event"]["call_sid"] for e in board} == {watched.call_sid, unwatched.call_sid}
    unwatched_group = call_group(unwatched.call_sid)
    assert await received_before_marker(layer, unwatched_group, spy) == []  # nothing was sent

    # A watch arriving late still gets the greeting, which had already finished.
    await layer.group_send(control_group(unwatched.call_sid), watch_message())
    caught_up = []
    while not caught_up or caught_up[-1]["type"] != "call.utterance":
        caught_up.append((await layer.receive(spy))["event"])
    assert caught_up[0]["type"] == "call.status"
    assert caught_up[-1]["text"].startswith("안녕하세요")

    for call in (watched, unwatched):
        await call.hang_up()
    await drained()
    await page.disconnect()
