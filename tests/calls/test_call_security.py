"""Only Twilio gets in: signed webhooks, a signed stream upgrade and a one-time call token."""

import json
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.utils import timezone
from twilio.request_validator import RequestValidator

from arsproject.asgi import application
from calls.live.observer import CallCounters
from calls.models import Call
from calls.records import services

pytestmark = pytest.mark.django_db(transaction=True)

CALL_SID = "CA" + "b" * 32
WEBHOOKS = ["/twilio/voice", "/twilio/connect-action", "/twilio/status"]


def sign(url: str, params: dict) -> str:
    """The signature Twilio would send for this URL and form."""
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(url, params)


def form(**extra) -> dict:
    """A minimal voice-webhook form."""
    return {
        "CallSid": CALL_SID,
        "AccountSid": settings.TWILIO_ACCOUNT_SID,
        "From": "+821099990000",
        "To": "+8215880000",
        "CallStatus": "ringing",
        **extra,
    }


@pytest.mark.parametrize("path", WEBHOOKS)
def test_a_webhook_without_signature_is_refused(client, path, caplog):
    response = client.post(path, form())
    assert response.status_code == 403
    assert "X-Twilio-Signature" in caplog.text


@pytest.mark.parametrize("path", WEBHOOKS)
def test_a_forged_signature_is_refused(client, path):
    params = form()
    forged = sign(settings.APP_PUBLIC_BASE_URL + path, {**params, "From": "+8210"})
    response = client.post(path, params, HTTP_X_TWILIO_SIGNATURE=forged)
    assert response.status_code == 403


def test_a_signature_over_the_proxy_url_is_refused(client):
    params = form()
    signature = sign("http://internal:8000/twilio/voice", params)
    assert (
        client.post("/twilio/voice", params, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 403
    )


@pytest.mark.parametrize("path", WEBHOOKS)
def test_without_an_auth_token_nothing_is_accepted(client, settings, path, caplog):
    params = form()
    signature = sign(settings.APP_PUBLIC_BASE_URL + path, params)
    settings.TWILIO_AUTH_TOKEN = ""
    response = client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 503
    assert "TWILIO_AUTH_TOKEN is not set" in caplog.text


def test_a_signed_webhook_connects_the_stream_with_a_one_time_token(client, default_profile):
    params = form()
    signature = sign(settings.APP_PUBLIC_BASE_URL + "/twilio/voice", params)
    response = client.post("/twilio/voice", params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<Stream url="{settings.TWILIO_STREAM_ENDPOINT}">' in body
    assert f'action="{settings.APP_PUBLIC_BASE_URL}/twilio/connect-action"' in body
    assert '<Parameter name="call_token"' in body
    call = Call.objects.get(call_sid=CALL_SID)
    token = body.split('name="call_token" value="')[1].split('"')[0]
    assert token not in call.stream_token_hash and len(call.stream_token_hash) == 64
    assert call.prompt_version_id == default_profile.active_version_id
    assert call.config["vad"]["silence_duration_ms"] == 700


def test_the_status_callback_for_an_unknown_call_writes_nothing(client):
    params = {"CallSid": CALL_SID, "CallStatus": "completed", "CallDuration": "12"}
    signature = sign(settings.APP_PUBLIC_BASE_URL + "/twilio/status", params)
    response = client.post("/twilio/status", params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 200
    assert not Call.objects.exists()


def test_the_status_callback_records_duration(client, default_profile):
    Call.objects.create(call_sid=CALL_SID, status="in_progress")
    params = {"CallSid": CALL_SID, "CallStatus": "completed", "CallDuration": "49"}
    signature = sign(settings.APP_PUBLIC_BASE_URL + "/twilio/status", params)
    response = client.post("/twilio/status", params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 204
    call = Call.objects.get(call_sid=CALL_SID)
    assert (call.status, call.duration_seconds) == ("completed", 49)


@pytest.mark.parametrize("status_callback_first", [True, False])
def test_a_call_that_failed_on_our_side_stays_failed_whichever_write_lands_first(
    client, default_profile, status_callback_first
):
    """The call record is written beside the call, so Twilio's callback may be stored first."""
    Call.objects.create(call_sid=CALL_SID, status="in_progress")
    stream_ended = timezone.now() - timedelta(seconds=3)
    params = {"CallSid": CALL_SID, "CallStatus": "completed", "CallDuration": "12"}
    signature = sign(settings.APP_PUBLIC_BASE_URL + "/twilio/status", params)

    def status_callback():
        client.post("/twilio/status", params, HTTP_X_TWILIO_SIGNATURE=signature)

    def finalize():
        services.finalize_call(CALL_SID, "ai_unavailable", CallCounters(), {}, stream_ended)

    for write in (
        (status_callback, finalize) if status_callback_first else (finalize, status_callback)
    ):
        write()
    call = Call.objects.get(call_sid=CALL_SID)
    assert (call.status, call.end_reason, call.duration_seconds) == ("failed", "ai_unavailable", 12)
    if not status_callback_first:
        assert call.ended_at == stream_ended  # when the stream ended, not when the row was written


async def open_stream(signature: str | None):
    """Open the media-stream socket as Twilio would, with or without a signature."""
    headers = [(b"host", b"ars.example.test")]
    if signature is not None:
        headers.append((b"x-twilio-signature", signature.encode()))
    communicator = WebsocketCommunicator(application, "/twilio/stream", headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


async def test_an_unsigned_stream_upgrade_is_refused(caplog):
    communicator, connected, code = await open_stream(None)
    assert not connected
    assert code == 4008


async def test_a_stream_signed_for_another_url_is_refused():
    signature = sign("wss://evil.example/twilio/stream", {})
    communicator, connected, code = await open_stream(signature)
    assert not connected


async def start_with_token(token: str):
    """A signed stream whose start carries this call_token; returns the close code."""
    signature = sign(settings.TWILIO_STREAM_ENDPOINT, {})
    communicator, connected, _ = await open_stream(signature)
    assert connected
    await communicator.send_to(json.dumps({"event": "connected", "protocol": "Call"}))
    start = {
        "event": "start",
        "sequenceNumber": "1",
        "streamSid": "MZ" + "c" * 32,
        "start": {
            "streamSid": "MZ" + "c" * 32,
            "accountSid": settings.TWILIO_ACCOUNT_SID,
            "callSid": CALL_SID,
            "tracks": ["inbound"],
            "customParameters": {"call_token": token},
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        },
    }
    await communicator.send_to(json.dumps(start))
    output = await communicator.receive_output(timeout=5)
    await communicator.wait()
    return output


async def test_a_wrong_call_token_closes_the_stream_with_4008(default_profile):
    from calls.records.services import hash_token

    await database_sync_to_async(Call.objects.create)(
        call_sid=CALL_SID,
        account_sid=settings.TWILIO_ACCOUNT_SID,
        stream_token_hash=hash_token("the-right-token"),
    )
    output = await start_with_token("a-guessed-token")
    assert output == {"type": "websocket.close", "code": 4008}
    call = await database_sync_to_async(Call.objects.get)(call_sid=CALL_SID)
    assert call.stream_token_used is False
    assert call.status == "ringing"


async def test_a_call_token_works_only_once(default_profile, settings):
    from calls.records.services import hash_token

    settings.OPENAI_REALTIME_URL = "ws://127.0.0.1:9/v1/realtime"
    await database_sync_to_async(Call.objects.create)(
        call_sid=CALL_SID,
        account_sid=settings.TWILIO_ACCOUNT_SID,
        stream_token_hash=hash_token("the-token"),
        stream_token_used=True,
    )
    output = await start_with_token("the-token")
    assert output == {"type": "websocket.close", "code": 4008}
