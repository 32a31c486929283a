"""Warm transfer: the human agent hears the call's summary before the caller is connected."""

import xml.etree.ElementTree as ET

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from twilio.request_validator import RequestValidator

from calls.models import Call, Utterance
from calls.records.services import save_summary
from calls.simulator.twilio_requests import new_sid

SUMMARY = {
    "summary": "고객이 주문 1234번의 배송 상태를 물었습니다. 내일 오전 도착 예정입니다.",
    "category": "배송",
    "resolved": False,
    "sentiment": "중립",
}


@pytest.fixture
def make_call(default_profile):
    """A call row in progress, with a fresh SID."""

    def make(**fields):
        values = {"call_sid": new_sid("CA"), "status": "in_progress", "profile": default_profile}
        return Call.objects.create(**{**values, **fields})

    return make


def signed_post(client, path: str, params: dict, signature: str | None = None):
    """POST as Twilio does: form parameters signed over the public URL."""
    url = settings.APP_PUBLIC_BASE_URL + path
    if signature is None:
        signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(url, params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def spoken(response) -> list[tuple[str, str, str]]:
    """The <Say> verbs of a TwiML answer: (text, language)."""
    root = ET.fromstring(response.content)
    return [(say.text, say.get("language")) for say in root.iter("Say")]


@pytest.mark.django_db
def test_connect_action_dials_the_agent_with_a_signed_whisper_url(client, make_call):
    call = make_call(end_reason="transferred")
    response = signed_post(client, "/twilio/connect-action", {"CallSid": call.call_sid})
    number = ET.fromstring(response.content).find("Dial/Number")
    assert number.text == settings.HUMAN_AGENT_NUMBER
    assert number.get("url") == f"{settings.APP_PUBLIC_BASE_URL}/twilio/whisper/{call.call_sid}"


@pytest.mark.django_db
def test_the_whisper_says_the_calls_summary_in_korean(client, make_call):
    call = make_call()
    save_summary(call.call_sid, SUMMARY)
    response = signed_post(client, f"/twilio/whisper/{call.call_sid}", {"CallSid": "CAchild"})
    [(text, language)] = spoken(response)
    assert language == "ko-KR"
    assert SUMMARY["summary"] in text


@pytest.mark.django_db
def test_without_a_summary_the_whisper_says_the_callers_last_words(client, make_call):
    call = make_call()
    Utterance.objects.create(call=call, speaker="caller", text="환불하고 싶어요.", started_ms=1000)
    Utterance.objects.create(
        call=call, speaker="caller", text="상담원 바꿔 주세요.", started_ms=9000
    )
    Utterance.objects.create(call=call, speaker="agent", text="연결해 드릴게요.", started_ms=9500)
    response = signed_post(client, f"/twilio/whisper/{call.call_sid}", {"CallSid": "CAchild"})
    [(text, _)] = spoken(response)
    assert "상담원 바꿔 주세요." in text
    assert "환불" not in text


@pytest.mark.django_db
def test_an_unsigned_whisper_request_is_refused(client, make_call):
    call = make_call()
    save_summary(call.call_sid, SUMMARY)
    response = client.post(f"/twilio/whisper/{call.call_sid}", {"CallSid": "CAchild"})
    assert response.status_code == 403
    assert SUMMARY["summary"].encode() not in response.content


@pytest.mark.django_db
def test_a_whisper_signed_for_another_call_is_refused(client, make_call):
    call, other = make_call(), make_call()
    save_summary(call.call_sid, SUMMARY)
    params = {"CallSid": "CAchild"}
    other_url = f"{settings.APP_PUBLIC_BASE_URL}/twilio/whisper/{other.call_sid}"
    signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(other_url, params)
    response = signed_post(client, f"/twilio/whisper/{call.call_sid}", params, signature)
    assert response.status_code == 403


@pytest.mark.django_db(transaction=True)
async def test_the_simulated_agent_leg_hears_the_summary_after_the_transfer_digit(
    fake_ai, make_caller, drained
):
    call = await make_caller().dial()
    await fake_ai.next_session()
    await call.wait_for(lambda c: c.heard_ms > 0, timeout=10)
    await database_sync_to_async(save_summary)(call.call_sid, SUMMARY)
    await call.send_dtmf("0")
    result = await call.wait_until_ended(timeout=10)
    await drained()
    assert result.outcome == "transferred"
    [say] = [verb for verb in result.whisper if verb[0] == "Say"]
    assert SUMMARY["summary"] in say[1]
    assert say[2]["language"] == "ko-KR"
