"""Business tools in a call: the agent's request reaches a real API and its answer the caller."""

import logging

import pytest
from channels.db import database_sync_to_async

from calls.models import Call, CallEvent, Utterance
from tests.calls.waiting import delivered, eventually
from tests.tools.conftest import (
    SECRET,
    agent_texts,
    function_outputs,
    order_script,
    responses_done,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def realtime_script():
    """The agent looks up the order the caller names."""
    return order_script()


async def ask_about_the_order(fake_ai, make_caller):
    """Dial, let the greeting play, name order 1234; the call and its fake session."""
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await eventually(lambda: delivered(call, session))
    await call.wait_for(lambda c: c.buffered_ms == 0, timeout=10)
    await call.send_speech(600)
    return call, session


async def tool_results(call_sid: str) -> list[dict]:
    """The tool_result events stored for a call."""
    return await database_sync_to_async(
        lambda: [
            e.data for e in CallEvent.objects.filter(call__call_sid=call_sid, kind="tool_result")
        ]
    )()


async def test_the_answer_the_agent_speaks_comes_from_the_api(
    fake_ai, make_caller, order_api, add_tool, drained, caplog
):
    caplog.set_level(logging.DEBUG)
    await add_tool()
    call, session = await ask_about_the_order(fake_ai, make_caller)
    await call.wait_for(lambda c: len(function_outputs(session)) == 1)
    path, headers = order_api.requests[0]
    assert path == "/orders/1234"
    assert headers["Authorization"] == f"Bearer {SECRET}"
    assert function_outputs(session)[0]["status"] == "배송 중"
    quoted = "주문 1234번은 배송 중이고, 도착은 내일 오전입니다."
    await call.wait_for(lambda c: quoted in agent_texts(session))
    await call.wait_for(lambda c: c.buffered_ms == 0 and c.heard_ms > 0, timeout=10)
    await call.hang_up()
    await drained()
    (result,) = await tool_results(call.call_sid)
    assert result["outcome"] == "ok" and result["status"] == 200
    assert result["label"] == "배송 조회" and result["latency_ms"] >= 0
    agent_lines = await database_sync_to_async(
        lambda: list(
            Utterance.objects.filter(call__call_sid=call.call_sid, speaker="agent").values_list(
                "text", flat=True
            )
        )
    )()
    assert quoted in agent_lines
    row = await database_sync_to_async(Call.objects.get)(call_sid=call.call_sid)
    offered = [t["name"] for t in row.session_config["tools"]]
    assert offered == ["end_call", "transfer_to_human", "lookup_order"]
    assert SECRET not in caplog.text


@pytest.mark.parametrize(
    ("path", "fields", "error", "outcome"),
    [
        ("/orders/{order_id}?x=1", {"url_suffix": "/9999"}, "http_status", "http_error"),
        ("/error/{order_id}", {}, "http_status", "http_error"),
        ("/held/{order_id}", {"timeout_ms": 200, "filler_delay_ms": 5000}, "timeout", "timeout"),
        ("/big/{order_id}", {"max_response_bytes": 512}, "too_large", "too_large"),
        ("/text/{order_id}", {}, "not_json", "not_json"),
        ("/redirect/{order_id}", {}, "refused", "refused"),
    ],
    ids=["404", "500", "timeout", "oversize", "not-json", "redirect-elsewhere"],
)
async def test_a_failing_api_gives_the_model_a_structured_error_and_an_event(
    fake_ai, make_caller, order_api, add_tool, drained, path, fields, error, outcome
):
    fields = dict(fields)
    if fields.pop("url_suffix", None):
        path = "/orders/9999"  # an unknown order: the API answers 404
        fields["parameters"] = {"type": "object", "properties": {"order_id": {"type": "string"}}}
    await add_tool(path=path, **fields)
    call, session = await ask_about_the_order(fake_ai, make_caller)
    await call.wait_for(lambda c: len(function_outputs(session)) == 1)
    output = function_outputs(session)[0]
    assert output["error"] == error
    if error == "too_large":
        assert output["body"].endswith("…[잘림]")
    await call.wait_for(lambda c: responses_done(session) >= 3)  # the agent spoke again
    await call.hang_up()
    await drained()
    (result,) = await tool_results(call.call_sid)
    assert result["outcome"] == outcome
    assert result["result"]["error"] == error


class TestSchemaInvalidArguments:
    """The model's arguments do not fit the schema: nothing is sent, the model is told why."""

    @pytest.fixture
    def realtime_script(self):
        return order_script(arguments={"order_id": "일이삼사"})

    async def test_nothing_is_sent_and_the_model_gets_the_reason(
        self, fake_ai, make_caller, order_api, add_tool, drained
    ):
        await add_tool()
        call, session = await ask_about_the_order(fake_ai, make_caller)
        await call.wait_for(lambda c: len(function_outputs(session)) == 1)
        output = function_outputs(session)[0]
        assert output["error"] == "invalid_arguments"
        assert "order_id" in output["details"][0]
        assert order_api.requests == []
        await call.hang_up()
        await drained()
        (result,) = await tool_results(call.call_sid)
        assert result["outcome"] == "invalid_arguments"


def out_of_band_requests(session) -> list[dict]:
    """The response.create events the fake got for responses beside the conversation."""
    return [
        r.event
        for r in session.received
        if r.event
        and r.event.get("type") == "response.create"
        and (r.event.get("response") or {}).get("conversation") == "none"
    ]


async def test_a_slow_tool_gets_the_filler_then_the_answer_without_errors(
    fake_ai, make_caller, order_api, add_tool, drained
):
    await add_tool(path="/held/{order_id}", filler="주문 내역을 확인하는 중입니다.")
    call, session = await ask_about_the_order(fake_ai, make_caller)
    await call.wait_for(lambda c: out_of_band_requests(session) != [])
    (filler,) = out_of_band_requests(session)
    assert filler["response"]["input"][0]["content"][0]["text"] == "주문 내역을 확인하는 중입니다."
    assert function_outputs(session) == []  # the filler came before the answer
    await call.wait_for(lambda c: responses_done(session) >= 3)  # the filler was spoken
    order_api.release.set()
    await call.wait_for(lambda c: len(function_outputs(session)) == 1)
    quoted = "주문 1234번은 배송 중이고, 도착은 내일 오전입니다."
    await call.wait_for(lambda c: quoted in agent_texts(session))
    assert [r.event for r in session.sent if r.event.get("type") == "error"] == []
    await call.hang_up()


async def test_hanging_up_cancels_the_request_in_flight(
    fake_ai, make_caller, order_api, add_tool, drained
):
    await add_tool(path="/held/{order_id}", filler_delay_ms=5000)
    call, session = await ask_about_the_order(fake_ai, make_caller)
    await call.wait_for(lambda c: len(order_api.requests) == 1)
    await call.hang_up()
    await eventually(lambda: order_api.cancelled.is_set(), within=5)
    assert function_outputs(session) == []


async def test_a_host_taken_off_the_allow_list_is_refused_at_call_time(
    fake_ai, make_caller, order_api, add_tool, drained, settings
):
    await add_tool()
    settings.TOOL_ALLOWED_HOSTS = ["api.example.co.kr"]
    call, session = await ask_about_the_order(fake_ai, make_caller)
    await call.wait_for(lambda c: len(function_outputs(session)) == 1)
    assert function_outputs(session)[0]["error"] == "refused"
    assert order_api.requests == []
    await call.hang_up()


async def test_a_name_resolving_to_a_private_address_is_refused(
    fake_ai, make_caller, order_api, add_tool, drained, settings
):
    settings.TOOL_ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    await add_tool(url=f"http://localhost:{order_api.port}/orders/{{order_id}}")
    settings.TOOL_ALLOWED_HOSTS = ["localhost"]  # the name is allowed, its address is not
    call, session = await ask_about_the_order(fake_ai, make_caller)
    await call.wait_for(lambda c: len(function_outputs(session)) == 1)
    output = function_outputs(session)[0]
    assert output == {"error": "refused", "reason": "private address"}
    assert order_api.requests == []
    await call.hang_up()
