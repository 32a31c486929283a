"""A hand-driven Twilio media stream for tests that send what no real caller would."""

import base64
import json

from channels.testing import WebsocketCommunicator
from django.conf import settings
from twilio.request_validator import RequestValidator

from arsproject.asgi import application

STREAM_SID = "MZ" + "c" * 32


async def signed_stream() -> WebsocketCommunicator:
    """A media-stream socket opened with Twilio's valid upgrade signature."""
    signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(
        settings.TWILIO_STREAM_ENDPOINT, {}
    )
    headers = [(b"host", b"ars.example.test"), (b"x-twilio-signature", signature.encode())]
    communicator = WebsocketCommunicator(application, "/twilio/stream", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


def start(call_sid: str, token: str) -> str:
    """The start message Twilio sends for this call."""
    return json.dumps(
        {
            "event": "start",
            "sequenceNumber": "1",
            "streamSid": STREAM_SID,
            "start": {
                "streamSid": STREAM_SID,
                "accountSid": settings.TWILIO_ACCOUNT_SID,
                "callSid": call_sid,
                "tracks": ["inbound"],
                "customParameters": {"call_token": token},
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            },
        }
    )


def media(timestamp_ms: int, ulaw: bytes) -> str:
    """One inbound media frame stamped timestamp_ms."""
    return json.dumps(
        {
            "event": "media",
            "streamSid": STREAM_SID,
            "media": {
                "track": "inbound",
                "chunk": "1",
                "timestamp": str(timestamp_ms),
                "payload": base64.b64encode(ulaw).decode(),
            },
        }
    )


def stop() -> str:
    """Twilio's stop message: the caller hung up."""
    return json.dumps({"event": "stop", "streamSid": STREAM_SID, "stop": {}})
