"""OPENAI_AUDIO_FORMAT=pcm16: the session speaks PCM 24 kHz, transcoded both ways, barge-in too."""

import base64

import numpy as np
import pytest

from calls.live.audio import ulaw_decode
from tests.calls.scenarios import first_agent_utterance, interrupt_the_greeting
from tests.calls.waiting import delivered, eventually

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def pcm16_mode(settings):
    """Every call in this module asks OpenAI for audio/pcm at 24 kHz."""
    settings.OPENAI_AUDIO_FORMAT = "pcm16"


def dominant_hz(ulaw: bytes) -> float:
    """The strongest frequency in some mu-law audio at 8 kHz."""
    samples = ulaw_decode(ulaw).astype(float)
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / 8000)[np.argmax(spectrum)])


async def test_the_session_is_pcm_and_audio_is_transcoded_both_ways(fake_ai, make_caller):
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    update = await session.wait_for_client_event("session.update")
    assert update["session"]["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert update["session"]["audio"]["output"]["format"] == {"type": "audio/pcm", "rate": 24000}
    await eventually(lambda: delivered(call, session))
    await call.wait_for(lambda c: c.buffered_ms == 0, timeout=10)
    appends = [
        base64.b64decode(r.event["audio"])
        for r in session.received
        if r.event and r.event.get("type") == "input_audio_buffer.append"
    ]
    assert appends and all(len(chunk) == 960 for chunk in appends)  # 20 ms at 48 bytes/ms
    heard = b"".join(chunk for _, chunk in call.heard)
    generated_ms = sum(session.conversation.generated_ms.values())
    assert abs(len(heard) / 8 - generated_ms) <= 20  # every generated ms reached the caller
    assert abs(dominant_hz(heard[800:8800]) - 220) < 10  # the fake's first response tone
    await call.hang_up()


async def test_barge_in_truncates_at_48_bytes_per_ms(fake_ai, make_caller, drained):
    call, session, heard_before = await interrupt_the_greeting(fake_ai, make_caller)
    truncate = await session.wait_for_client_event("conversation.item.truncate")
    assert heard_before - 100 <= truncate["audio_end_ms"] <= call.heard_ms
    assert truncate["item_id"] in session.conversation.truncations
    assert not [r for r in session.sent if r.event.get("type") == "error"]
    await call.wait_for(lambda c: c.buffered_ms == 0, timeout=5)
    await call.hang_up()
    await drained()
    greeting = await first_agent_utterance(call.call_sid)
    assert greeting.interrupted
    assert greeting.text.startswith(greeting.heard_text) and greeting.heard_text
    assert 0 < greeting.played_ms < greeting.generated_ms
