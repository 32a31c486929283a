"""Caller audio kept while OpenAI is not ready is bounded, and what the bound drops is counted."""

import logging

from calls.live.bridge import CallBridge
from calls.live.caller_audio import PENDING_AUDIO_FRAMES
from tests.operations.test_metrics import bridge as unconnected_bridge


def unready_bridge() -> CallBridge:
    """A real bridge whose OpenAI session is not ready (never connected)."""
    bridge = unconnected_bridge()
    assert not bridge.ready
    return bridge


async def test_audio_within_the_bound_is_all_kept_and_nothing_is_counted_lost(caplog):
    bridge = unready_bridge()
    for n in range(PENDING_AUDIO_FRAMES):
        await bridge.on_caller_audio(f"frame-{n}", n * 20)
    assert len(bridge.caller_audio.pending) == PENDING_AUDIO_FRAMES
    assert bridge.caller_audio.frames_dropped == 0
    assert "dropping" not in caplog.text


async def test_audio_beyond_the_bound_drops_the_oldest_counts_it_and_logs_once(caplog):
    bridge = unready_bridge()
    with caplog.at_level(logging.ERROR, logger="calls.live.bridge"):
        for n in range(PENDING_AUDIO_FRAMES + 3):
            await bridge.on_caller_audio(f"frame-{n}", n * 20)
    assert bridge.caller_audio.frames_dropped == 3
    assert bridge.caller_audio.pending[0] == "frame-3"  # the newest audio is what the AI gets
    assert bridge.caller_audio.pending[-1] == f"frame-{PENDING_AUDIO_FRAMES + 2}"
    assert caplog.text.count("dropping the oldest caller audio") == 1


async def test_a_lost_session_replaying_more_than_the_bound_counts_what_does_not_fit():
    bridge = unready_bridge()
    bridge.caller_audio.unfinished_turn.extend(f"turn-{n}" for n in range(PENDING_AUDIO_FRAMES))
    bridge.caller_audio.pending.extend(f"gap-{n}" for n in range(10))
    bridge.forget_session()
    assert bridge.caller_audio.frames_dropped == 10
    assert len(bridge.caller_audio.pending) == PENDING_AUDIO_FRAMES
    assert bridge.caller_audio.pending[-1] == "gap-9"
