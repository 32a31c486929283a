"""The bridge's phase: every path a call can take leaves the expected sequence of phases."""

import pytest

from calls.live.bridge import CallBridge
from calls.live.phase import CallPhase, Phase, PhaseError
from calls.simulator.fake_realtime import AgentTurn, ToolCall
from tests.calls.conftest import script
from tests.calls.waiting import delivered, eventually

pytestmark = pytest.mark.django_db(transaction=True)

CONNECTING, CONFIGURING, LIVE = CallPhase.CONNECTING, CallPhase.CONFIGURING, CallPhase.LIVE
RESTORING, ENDING, CLOSED = CallPhase.RESTORING, CallPhase.ENDING, CallPhase.CLOSED


def bridge_of(call) -> CallBridge:
    """The server-side bridge of a simulated call."""
    (found,) = [b for b in list(CallBridge.live) if b.stream_sid == call.stream_sid]
    return found


async def greeted_call(fake_ai, make_caller):
    """Dial and let the greeting play out; the call, its fake session and its bridge."""
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await eventually(lambda: delivered(call, session))
    await call.wait_for(lambda c: c.buffered_ms == 0, timeout=10)
    return call, session, bridge_of(call)


async def test_a_normal_call_connects_configures_goes_live_and_closes(fake_ai, make_caller):
    call, _, bridge = await greeted_call(fake_ai, make_caller)
    await call.hang_up()
    await bridge.finished.wait()
    assert bridge.phase.history == [CONNECTING, CONFIGURING, LIVE, CLOSED]


async def test_a_dropped_session_is_restored_and_the_call_goes_on(fake_ai, make_caller):
    call, session, bridge = await greeted_call(fake_ai, make_caller)
    await session.drop()
    second = await fake_ai.next_session(timeout=5)
    await second.wait_for_client_event("session.update")
    await eventually(lambda: bridge.phase.is_(LIVE))
    await call.hang_up()
    await bridge.finished.wait()
    assert bridge.phase.history == [CONNECTING, CONFIGURING, LIVE, RESTORING, LIVE, CLOSED]


async def test_an_ai_lost_for_good_ends_the_call_from_restoring(fake_ai, make_caller, settings):
    settings.MAX_RETRY_COUNT = 1
    call, _, bridge = await greeted_call(fake_ai, make_caller)
    await fake_ai.stop()  # the socket closes and every reconnect is refused
    await call.wait_until_ended(timeout=10)
    await bridge.finished.wait()
    assert bridge.end_reason == "ai_unavailable"
    assert bridge.phase.history == [CONNECTING, CONFIGURING, LIVE, RESTORING, ENDING, CLOSED]


async def test_a_caller_hanging_up_during_a_reconnect_closes_from_restoring(
    fake_ai, make_caller, settings
):
    settings.MAX_RETRY_COUNT = 6  # backoff keeps the bridge reconnecting for seconds
    call, _, bridge = await greeted_call(fake_ai, make_caller)
    await fake_ai.stop()
    await eventually(lambda: bridge.phase.is_(RESTORING))
    await call.hang_up()
    await bridge.finished.wait()
    assert bridge.end_reason == "caller_hangup"
    assert bridge.phase.history == [CONNECTING, CONFIGURING, LIVE, RESTORING, CLOSED]


@pytest.fixture
def realtime_script():
    """The agent answers the caller's first turn with a goodbye and end_call."""
    return script(
        agent_turns=[
            AgentTurn("안녕하세요, 무엇을 도와드릴까요?"),
            AgentTurn("감사합니다. 좋은 하루 보내세요.", ToolCall("end_call", {})),
        ]
    )


async def test_the_agents_end_call_ends_the_call_from_live(fake_ai, make_caller):
    call, _, bridge = await greeted_call(fake_ai, make_caller)
    await call.send_speech(600)
    await call.wait_until_ended(timeout=15)
    await bridge.finished.wait()
    assert bridge.end_reason == "agent_hangup"
    assert bridge.phase.history == [CONNECTING, CONFIGURING, LIVE, ENDING, CLOSED]


async def test_an_ai_unreachable_at_the_start_ends_the_call_before_configuring(
    fake_ai, make_caller, settings, monkeypatch
):
    monkeypatch.setattr(CallBridge, "live", set())  # keep the short-lived bridge reachable
    settings.MAX_RETRY_COUNT = 0
    await fake_ai.stop()
    call = await make_caller().dial()
    await call.wait_until_ended(timeout=10)
    (bridge,) = [b for b in list(CallBridge.live) if b.stream_sid == call.stream_sid]
    await bridge.finished.wait()
    assert bridge.end_reason == "ai_unavailable"
    assert bridge.phase.history == [CONNECTING, ENDING, CLOSED]


def test_a_transition_the_call_flow_does_not_allow_is_refused():
    phase = Phase()
    phase.to(CLOSED)
    with pytest.raises(PhaseError):
        phase.to(LIVE)
    another = Phase()
    with pytest.raises(PhaseError):
        another.to(LIVE)  # a session is configured before it is live
    assert another.history == [CONNECTING]
