"""Call recordings: caller left, agent right where the caller heard it, cleared audio absent."""

import io
import wave
from datetime import timedelta

import numpy as np
import pytest
from channels.db import database_sync_to_async
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from calls.models import Call
from calls.records.recording_files import path_of
from prompts.models import AgentProfile
from tests.calls.waiting import eventually

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def recording_profile(default_profile, settings, tmp_path):
    """The default profile records its calls into a temporary folder.

    No notice is spoken: the recording starts with the stream, after any <Say>, and these
    tests compare its timeline with the call's clock, which starts when the call is answered.
    """
    settings.RECORDINGS_DIR = tmp_path / "recordings"
    AgentProfile.objects.filter(pk=default_profile.pk).update(
        record_calls=True, ai_notice_enabled=False, recording_notice_text=""
    )


def channels_of(wav_bytes: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Left and right channels of a stereo 16-bit WAV at 8 kHz."""
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, 8000)
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    return samples[0::2].astype(float), samples[1::2].astype(float)


def loud_ms(channel: np.ndarray) -> np.ndarray:
    """For each ms of the channel: whether it carries sound (RMS above -40 dBFS)."""
    whole = channel[: len(channel) // 8 * 8].reshape(-1, 8)
    return np.sqrt((whole**2).mean(axis=1)) > 32768 * 10 ** (-40 / 20)


async def test_both_sides_land_in_their_channel_at_the_right_time(fake_ai, make_caller, drained):
    call = await make_caller().dial()
    await fake_ai.next_session()
    await eventually(lambda: call.buffered_ms >= 2000)  # the greeting is queued at Twilio
    await call.send_silence(600)
    spoke_at = call.now_ms
    await call.send_speech(300)  # barge-in: the rest of the greeting is cleared
    await call.wait_for(lambda c: len(c.clears) == 1, timeout=10)
    cleared_at = call.clears[0]
    heard_greeting_ms = call.heard_ms
    await call.hang_up()
    await drained()
    row = await database_sync_to_async(Call.objects.get)(call_sid=call.call_sid)
    left, right = channels_of(path_of(row.recording).read_bytes())
    caller, agent = loud_ms(left), loud_ms(right)

    assert caller[int(spoke_at) + 50 : int(spoke_at) + 250].all()  # the caller's speech, left
    assert not caller[: int(spoke_at) - 20].any()  # silence before it
    agent_ms = int(agent.sum())
    # Only what the caller heard of the greeting; the bridge reads Twilio's clock from the
    # frames it has received, which trail the caller by the few frames in flight.
    assert heard_greeting_ms - 120 <= agent_ms <= heard_greeting_ms
    assert not agent[int(cleared_at) + 20 :].any()  # nothing after the clear
    assert agent[int(spoke_at) - 500 : int(spoke_at)].all()  # the agent was heard before


async def test_non_staff_cannot_fetch_a_recording(client, django_user_model, tmp_path):
    call = await database_sync_to_async(Call.objects.create)(
        call_sid="CA" + "1" * 32, recording="CA" + "1" * 32 + ".wav"
    )
    url = reverse("call-recording", args=[call.call_sid])
    assert (await database_sync_to_async(client.get)(url)).status_code == 302  # to login
    clerk = await database_sync_to_async(django_user_model.objects.create_user)(
        username="clerk", password="pw-clerk-1"
    )
    await database_sync_to_async(client.force_login)(clerk)
    assert (await database_sync_to_async(client.get)(url)).status_code == 403


def test_staff_can_play_a_recording(client, staff_user, settings):
    from calls.live.stereo_recording import StereoRecording
    from calls.records.recording_files import write

    recording = StereoRecording()
    recording.caller_frame(0, bytes(160))
    name = write("CA" + "2" * 32, recording)
    call = Call.objects.create(call_sid="CA" + "2" * 32, recording=name)
    client.force_login(staff_user)
    response = client.get(reverse("call-recording", args=[call.call_sid]))
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert b"".join(response.streaming_content).startswith(b"RIFF")


def test_purge_deletes_recordings_past_retention(settings):
    from calls.live.stereo_recording import StereoRecording
    from calls.records.recording_files import write

    old = Call.objects.create(
        call_sid="CA" + "3" * 32,
        recording=write("CA" + "3" * 32, StereoRecording()),
        config={"recording_retention_days": 7},
        started_at=timezone.now() - timedelta(days=8),
    )
    fresh = Call.objects.create(
        call_sid="CA" + "4" * 32,
        recording=write("CA" + "4" * 32, StereoRecording()),
        config={"recording_retention_days": 7},
        started_at=timezone.now() - timedelta(days=6),
    )
    old_path = path_of(old.recording)
    call_command("purge_recordings")
    assert not old_path.exists()
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.recording == ""
    assert path_of(fresh.recording).exists()


def test_a_recording_name_cannot_leave_the_folder():
    with pytest.raises(ValueError):
        path_of("../../etc/passwd")


def test_the_call_page_plays_the_recording_for_staff(client, staff_user):
    call = Call.objects.create(
        call_sid="CA" + "5" * 32, status="completed", recording="CA" + "5" * 32 + ".wav"
    )
    client.force_login(staff_user)
    page = client.get(reverse("dashboard-call", args=[call.call_sid])).content.decode()
    assert "<audio controls" in page
    assert reverse("call-recording", args=[call.call_sid]) in page
