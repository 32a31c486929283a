"""Fixtures for end-to-end call tests: the fake OpenAI server and a simulated Twilio caller."""

import pytest
from django.conf import settings

from arsproject.asgi import application
from calls.monitoring.live_events import publisher
from calls.records.recorder import recorder
from calls.simulator.fake_realtime import AgentTurn, FakeRealtimeServer, RealtimeScript, ToolCall
from calls.simulator.transports import AsgiTransport
from calls.simulator.twilio_caller import TwilioCaller

CALLER_LINES = ["배송 상태를 알고 싶어요.", "주문번호는 1234번이에요.", "아니요, 괜찮습니다."]
AGENT_TURNS = [
    AgentTurn("안녕하세요, 고객센터 AI 상담원입니다. 무엇을 도와드릴까요?"),
    AgentTurn("네, 주문번호를 말씀해 주시겠어요? 확인해 드리겠습니다."),
    AgentTurn("확인해 보니 상품은 내일 오전에 도착할 예정입니다. 더 도와드릴 일이 있으실까요?"),
    AgentTurn(
        "이용해 주셔서 감사합니다. 좋은 하루 보내세요.",
        tool_call=ToolCall("end_call", {"reason": "caller_done"}),
    ),
]


def responses_done(session) -> int:
    """How many responses the fake has finished."""
    return sum(1 for r in session.sent if r.event.get("type") == "response.done")


def script(agent_turns=None, caller_lines=None) -> RealtimeScript:
    """A Korean delivery-status conversation."""
    return RealtimeScript(
        caller_lines=list(caller_lines or CALLER_LINES),
        agent_turns=list(agent_turns or AGENT_TURNS),
    )


@pytest.fixture
def realtime_script():
    """The script the fake model follows; tests may replace it."""
    return script()


@pytest.fixture
async def fake_ai(settings, realtime_script):
    """A fake OpenAI Realtime server the bridge is pointed at."""
    server = FakeRealtimeServer(api_key=settings.OPENAI_API_KEY, script=realtime_script)
    async with server:
        settings.OPENAI_REALTIME_URL = server.url
        yield server


@pytest.fixture
def make_caller(default_profile):
    """Build a simulated Twilio caller that talks to our ASGI app in-process."""

    def build(**overrides) -> TwilioCaller:
        options = {
            "base_url": settings.APP_PUBLIC_BASE_URL,
            "auth_token": settings.TWILIO_AUTH_TOKEN,
            "account_sid": settings.TWILIO_ACCOUNT_SID,
            "from_number": "+821012345678",
            "to_number": "+8215880000",
            "clock": "virtual",
            "transport": AsgiTransport(application),
        }
        options.update(overrides)
        return TwilioCaller(**options)

    return build


@pytest.fixture
async def drained():
    """Await the recorder and the publisher so database assertions see every record."""

    async def drain():
        await recorder.flush()
        await publisher.flush()

    return drain
