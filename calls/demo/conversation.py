"""The offline demo's Korean conversation: the fake model's script and the simulated caller's part.

Each demo call: the greeting plays, the caller asks about a delivery, barges in while the agent is
still answering, hears the answer, thanks the agent, and the agent ends the call with its tool.
"""

from __future__ import annotations

import dataclasses

from calls.simulator.realtime_script import AgentTurn, RealtimeScript, ToolCall
from calls.simulator.twilio_caller import CallResult, StreamEnded, TwilioCall, TwilioCaller

AGENT_WAIT_S = 30.0
LISTEN_BEFORE_BARGE_IN_MS = 1500

DEMO_SCRIPT = RealtimeScript(
    caller_lines=[
        "안녕하세요, 지난주에 주문한 물건 배송 조회 좀 하려고요.",
        "아, 잠깐만요. 주문번호는 2024-1234예요.",
        "네, 알겠습니다. 감사합니다.",
    ],
    agent_turns=[
        AgentTurn("안녕하세요, 고객센터 AI 상담원입니다. 무엇을 도와드릴까요?"),
        AgentTurn(
            "네, 배송 조회를 도와드리겠습니다. 정확한 확인을 위해 주문하신 분의 성함과 "
            "주문번호, 그리고 주문하신 날짜를 차례대로 말씀해 주시면 바로 확인해 드리겠습니다."
        ),
        AgentTurn(
            "주문번호 2024-1234 확인했습니다. 상품은 내일 오전 중에 도착할 예정입니다. "
            "더 도와드릴 일이 있으실까요?"
        ),
        AgentTurn(
            "이용해 주셔서 감사합니다. 좋은 하루 보내세요.",
            tool_call=ToolCall("end_call", {"reason": "caller_done"}),
        ),
    ],
)


def demo_script(greeting: str = "") -> RealtimeScript:
    """The demo script, opening with the profile's actual greeting when there is one."""
    if not greeting.strip():
        return DEMO_SCRIPT
    turns = [AgentTurn(greeting.strip()), *DEMO_SCRIPT.agent_turns[1:]]
    return dataclasses.replace(DEMO_SCRIPT, agent_turns=turns)


def profile_greeting(to_number: str) -> str:
    """The greeting a call to this number would get now ("" without a configured profile)."""
    from prompts.services import NoProfileConfigured, active_config

    try:
        return active_config(to_number).greeting
    except NoProfileConfigured:
        return ""


async def until_agent_has_spoken(call: TwilioCall) -> None:
    """Keep the line open (silence) until the agent's next answer has played to its end."""
    before = call.heard_ms
    await call.wait_for(lambda c: c.heard_ms > before, timeout=AGENT_WAIT_S)
    await call.wait_for(lambda c: c.buffered_ms == 0, timeout=AGENT_WAIT_S)


async def converse(call: TwilioCall) -> CallResult:
    """Play the caller's side of the demo conversation, barge-in included."""
    try:
        await until_agent_has_spoken(call)  # the greeting
        await call.send_speech(1600)
        before = call.heard_ms
        await call.wait_for(
            lambda c: c.heard_ms >= before + LISTEN_BEFORE_BARGE_IN_MS, timeout=AGENT_WAIT_S
        )
        await call.send_speech(1400)  # barge-in: the agent is still talking
        await until_agent_has_spoken(call)
        await call.send_speech(1100)
        return await call.wait_until_ended(timeout=AGENT_WAIT_S)  # the agent hangs up
    except StreamEnded:
        return await call.hang_up()


async def place_demo_call(caller: TwilioCaller) -> tuple[TwilioCall, CallResult]:
    """Dial and play one demo conversation to its end."""
    call = await caller.dial()
    if call.result is not None:
        return call, call.result
    return call, await converse(call)
