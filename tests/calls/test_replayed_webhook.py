"""A CallSid is answered once: a replayed voice webhook never reopens a call or mints a token."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from calls.models import Call, CallStatus
from calls.records import services
from tests.calls.test_call_security import CALL_SID, form, sign, start_with_token

pytestmark = pytest.mark.django_db(transaction=True)

FINISHED = [s for s in CallStatus.values if s not in ("ringing", "in_progress")]


def post_voice(client, params: dict):
    """A correctly signed /twilio/voice, as captured from Twilio."""
    signature = sign(settings.APP_PUBLIC_BASE_URL + "/twilio/voice", params)
    return client.post("/twilio/voice", params, HTTP_X_TWILIO_SIGNATURE=signature)


def row_snapshot() -> dict:
    """Every stored field of the call."""
    return Call.objects.filter(call_sid=CALL_SID).values().get()


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    status=st.sampled_from(CallStatus.values),
    replayed_from=st.sampled_from(["+821099990000", "+821011112222", ""]),
)
def test_a_replayed_webhook_never_reopens_or_retokens_a_known_call(
    client, default_profile, status, replayed_from
):
    Call.objects.filter(call_sid=CALL_SID).delete()
    assert "call_token" in post_voice(client, form()).content.decode()
    Call.objects.filter(call_sid=CALL_SID).update(
        status=status, stream_token_used=status != "ringing", recording=f"{CALL_SID}.wav"
    )
    before = row_snapshot()

    response = post_voice(client, form(From=replayed_from))

    body = response.content.decode()
    assert response.status_code == 200
    assert "call_token" not in body and "<Stream" not in body
    assert row_snapshot() == before  # status, token, recording: nothing reset
    if status in FINISHED:
        assert body.endswith("<Response><Hangup /></Response>")
    else:  # a live call cannot get a second stream: the apology path, never dead air
        assert "<Say" in body and "<Hangup />" in body


async def test_a_stream_that_starts_after_the_token_window_is_refused(default_profile, settings):
    settings.STREAM_TOKEN_SECONDS = 60
    _, token = await database_sync_to_async(services.answer_call)(form())
    webhook_at = timezone.now() - timedelta(seconds=61)
    await database_sync_to_async(Call.objects.filter(call_sid=CALL_SID).update)(
        started_at=webhook_at
    )
    output = await start_with_token(token)
    assert output == {"type": "websocket.close", "code": 4008}
    call = await database_sync_to_async(Call.objects.get)(call_sid=CALL_SID)
    assert (call.status, call.stream_token_used, call.end_reason) == ("ringing", False, "")
