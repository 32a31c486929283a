"""The offline demo's Korean conversation: the fake model's script and the simulated caller's part.

Each demo call: the greeting plays, the caller asks about a delivery, barges in while the agent is
still answering and gives an order number; the agent looks the order up with its `lookup_order`
business tool and reads out what the demo's order API answered (a slow order gets the filler
sentence first); the caller thanks the agent, and the agent ends the call with its tool.
"""

from __future__ import annotations

import dataclasses
import random

from calls.simulator.realtime_script import AgentTurn, RealtimeScript, ToolCall
from calls.simulator.twilio_caller import CallResult, StreamEnded, TwilioCall, TwilioCaller

AGENT_WAIT_S = 30.0
LISTEN_BEFORE_BARGE_IN_MS = 1500
QUIET_MS = 4000  # longer than the slow order's wait after the filler

DEMO_ORDERS = ("1234", "5678", "2024")  # 2024 is slow at the order API: the filler plays


def caller_lines(order: str) -> list[str]:
    """What the simulated caller says, asking about one order."""
    return [
        "안녕하세요, 지난주에 주문한 물건 배송 조회 좀 하려고요.",
        f"아, 잠깐만요. 주문번호는 {order}번이에요.",
        "네, 알겠습니다. 감사합니다.",
    ]


DEMO_SCRIPT = RealtimeScript(
    caller_lines=caller_lines(DEMO_ORDERS[0]),
    agent_turns=[
        AgentTurn("안녕하세요, 고객센터 AI 상담원입니다. 무엇을 도와드릴까요?"),
        AgentTurn(
            "네, 배송 조회를 도와드리겠습니다. 정확한 확인을 위해 주문하신 분의 성함과 "
            "주문번호, 그리고 주문하신 날짜를 차례대로 말씀해 주시면 바로 확인해 드리겠습니다."
        ),
        AgentTurn(
            "네, 조회해 보겠습니다.",
            tool_call=ToolCall(
                "lookup_order", {}, arguments_from_caller={"order_id": r"([0-9]{4,12})번"}
            ),
        ),
        AgentTurn(
            "주문번호 {order_id}번 {item} 상품은 현재 {status} 상태이고, "
            "도착 예정은 {delivery_date}입니다. 더 도와드릴 일이 있으실까요?"
        ),
        AgentTurn(
            "이용해 주셔서 감사합니다. 좋은 하루 보내세요.",
            tool_call=ToolCall("end_call", {"reason": "caller_done"}),
        ),
    ],
    out_of_band_turns=[  # the post-call summary the fake model writes
        AgentTurn(
            '{"summary": "고객이 주문 배송 상태를 문의했고, 주문 API로 조회한 상태와 도착 예정일을 '
            '안내했습니다. 고객이 감사 인사 후 통화를 마쳤습니다.", "category": "배송", '
            '"resolved": true, "sentiment": "긍정"}'
        )
    ],
)


def demo_script(greeting: str = "", order: str | None = None) -> RealtimeScript:
    """The demo script for one call: the profile's actual greeting, and an order to ask about."""
    order = order or random.choice(DEMO_ORDERS)
    turns = list(DEMO_SCRIPT.agent_turns)
    if greeting.strip():
        turns[0] = AgentTurn(greeting.strip())
    return dataclasses.replace(DEMO_SCRIPT, agent_turns=turns, caller_lines=caller_lines(order))


def profile_greeting(to_number: str) -> str:
    """The greeting a call to this number would get now ("" without a configured profile)."""
    from prompts.services import NoProfileConfigured, active_config

    try:
        return active_config(to_number).greeting
    except NoProfileConfigured:
        return ""


async def until_agent_is_done(call: TwilioCall, quiet_ms: int = QUIET_MS) -> None:
    """Keep the line open until the agent has spoken and then stayed quiet for `quiet_ms`.

    After a tool call the agent speaks more than once (a word, maybe the filler, the answer).
    """
    await until_agent_has_spoken(call)
    while True:
        before = call.heard_ms
        quiet_from = call.now_ms
        await call.wait_for(
            lambda c, before=before, since=quiet_from: (
                c.heard_ms > before or c.now_ms - since >= quiet_ms
            ),
            timeout=AGENT_WAIT_S,
        )
        if call.heard_ms == before:
            return
        await call.wait_for(lambda c: c.buffered_ms == 0, timeout=AGENT_WAIT_S)


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
        await call.send_speech(1400)  # barge-in, with the order number
        await until_agent_is_done(call)  # looked up, then read out from the order API's answer
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
