"""Twilio's media timestamps are trusted no further than the call has run."""

import io
import wave

import pytest
from channels.db import database_sync_to_async

from calls.models import Call
from calls.records import services
from calls.records.recording_files import path_of
from prompts.models import AgentProfile
from tests.calls.streams import media, signed_stream, start, stop
from tests.calls.test_call_security import CALL_SID, form

pytestmark = pytest.mark.django_db(transaction=True)

FRAME = bytes([0x10]) * 160  # 20 ms of loud mu-law


@pytest.fixture(autouse=True)
def recording_profile(default_profile, settings, tmp_path):
    """The default profile records its calls into a temporary folder."""
    settings.RECORDINGS_DIR = tmp_path / "recordings"
    AgentProfile.objects.filter(pk=default_profile.pk).update(record_calls=True)


async def test_a_frame_stamped_an_hour_ahead_does_not_make_the_recording_an_hour_long(
    fake_ai, drained
):
    _, token = await database_sync_to_async(services.answer_call)(form())
    stream = await signed_stream()
    await stream.send_to(start(CALL_SID, token))
    await fake_ai.next_session()
    for n in range(1, 51):
        await stream.send_to(media(20 * n, FRAME))
    await stream.send_to(media(3_600_000, FRAME))  # one frame claims to be an hour in
    await stream.send_to(stop())
    while (await stream.receive_output(timeout=5))["type"] != "websocket.close":
        pass  # the greeting's media and marks
    await stream.disconnect()
    await drained()

    row = await database_sync_to_async(Call.objects.get)(call_sid=CALL_SID)
    with wave.open(io.BytesIO(path_of(row.recording).read_bytes())) as wav:
        seconds = wav.getnframes() / wav.getframerate()
    assert 1.0 <= seconds < 10.0
