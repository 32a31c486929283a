"""Session set-up and reconnect: the Realtime session a call keeps, whatever drops it.

Functions of the bridge, like ai_events: they coordinate its phase, link, caller audio buffer,
agent audio, responses and transcripts when the socket opens, drops and comes back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from calls.live.phase import CallPhase
from calls.live.protocol import realtime as rt
from calls.live.realtime_link import RealtimeLink
from calls.live.transcripts import ms_since

if TYPE_CHECKING:
    from calls.live.bridge import CallBridge

logger = logging.getLogger("calls.live.bridge")


async def use_model(bridge: CallBridge, model: str) -> None:
    """The call's profile chose another model than the early connection's: connect again.

    The model is part of the URL (session.update cannot change it). Nothing is lost: the
    session has not been configured yet, and no caller audio has been sent.
    """
    logger.info("call uses model %s: reconnecting from %s", model, bridge.link.endpoint.model)
    early_task, early_link = bridge.realtime_task, bridge.link
    # A new link and a new task: the early task may finish a connect its cancellation raced
    # with (asyncio.wait_for can return a result despite a cancel), so it must find itself
    # replaced rather than be awaited, and its socket must never be the call's.
    bridge.link = RealtimeLink(replace(early_link.endpoint, model=model))
    bridge.connected.clear()
    bridge.open_realtime()
    if early_task is not None:
        early_task.cancel()
    await early_link.close()


def replaced(bridge: CallBridge) -> bool:
    """Whether the running session task is no longer the call's (use_model started another)."""
    return bridge.realtime_task is not asyncio.current_task()


async def run_realtime(bridge: CallBridge) -> None:
    """Keep one Realtime session for the call: connect, read, reconnect when it drops.

    Reconnect policy: up to MAX_RETRY_COUNT attempts, the first at once and then with
    doubling backoff (0.25 s ... 2 s), so a dropped socket usually costs the caller only
    the reconnect round trip. Caller audio that arrives meanwhile is kept (bounded) and sent
    once the new session runs our config; the conversation so far is restored as items.
    When every attempt fails the call ends with ai_unavailable (apology, then transfer).
    """
    link = bridge.link
    connected = await link.connect_with_retries(bridge.settings.max_retry_count + 1)
    if replaced(bridge):
        await link.close()
        return
    bridge.connected.set()
    if not connected:
        return  # begin() ends the call once it knows which call this is
    while True:
        await link.read(bridge.handle_ai_message)
        if bridge.phase.over or replaced(bridge):
            return
        bridge.dropped_at = time.monotonic()
        logger.warning("OpenAI session dropped (close %s); reconnecting", bridge.link.close_code())
        bridge.forget_session()
        if not await bridge.link.connect_with_retries(max(1, bridge.settings.max_retry_count)):
            error = f"reconnect failed: {bridge.link.connect_error}"
            await bridge.end("ai_unavailable", {"error": error})
            return
        bridge.reconnects += 1
        await restore_session(bridge)


def forget_session(bridge: CallBridge) -> None:
    """The old session is gone: its items can no longer be truncated, its response is lost.

    Audio sent since the caller's last finished turn may never have reached OpenAI, and the
    new session has heard none of it: it is replayed first (see CallerAudioBuffer).
    """
    if not bridge.phase.over:
        bridge.phase.to(CallPhase.RESTORING)
    bridge.caller_audio.session_lost()
    bridge.agent_audio.session_lost()
    bridge.responses.session_lost(bridge.transcripts.speech_stopped_at is not None)
    bridge.transcripts.finish_all()


async def restore_session(bridge: CallBridge) -> None:
    """Configure the new session like the old one; history follows on session.updated."""
    if bridge.config is None or bridge.phase.over:
        return  # before `start`, begin() configures the session
    await bridge.configure_session()


async def replay_history(bridge: CallBridge) -> None:
    """Give the new session the conversation so far, then the audio kept during the gap."""
    for role, text in bridge.transcripts.history:
        await bridge.send_to_ai(rt.history_item(role, text, bridge.next_id("history")))
    gap_ms = ms_since(bridge.dropped_at)
    bridge.record_event(
        "reconnect",
        {
            "attempt": bridge.reconnects,
            "gap_ms": gap_ms,
            "buffered_frames": len(bridge.caller_audio.pending),
            "dropped_frames": bridge.caller_audio.frames_dropped,
        },
    )
    logger.info("OpenAI session restored after %d ms", gap_ms)
