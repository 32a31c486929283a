"""A teardown the server cuts short (daphne cancels slow applications) still finalizes the call."""

import asyncio

from calls.live.bridge import BridgeSettings, CallBridge
from calls.live.observer import CallCounters
from calls.live.realtime_client import RealtimeEndpoint


class HangingSocket:
    """An OpenAI socket whose closing handshake never completes."""

    def __init__(self):
        self.closing = asyncio.Event()

    async def close(self):
        self.closing.set()
        await asyncio.Event().wait()


class FinalizeRecorder:
    """The observer side of teardown: what was finalized, and with which reason."""

    def __init__(self):
        self.finalized: list[tuple[str, CallCounters]] = []

    async def save_recording(self, recording):
        raise AssertionError("no recording in this call")

    async def finalize(self, reason, counters, session):
        self.finalized.append((reason, counters))


async def ignore(*args):
    pass


async def test_a_cancelled_teardown_still_finalizes_the_call():
    endpoint = RealtimeEndpoint("ws://127.0.0.1:9/v1/realtime", "sk-test", "gpt-realtime")
    bridge = CallBridge(BridgeSettings(endpoint=endpoint), ignore, ignore)
    bridge.observer = FinalizeRecorder()
    bridge.link.socket = HangingSocket()
    teardown = asyncio.ensure_future(bridge.close("caller_hangup"))
    await bridge.link.socket.closing.wait()
    assert bridge.observer.finalized == []  # still waiting on OpenAI's close frame

    teardown.cancel()  # what daphne does to an application slow to finish
    await asyncio.wait([teardown])
    assert teardown.cancelled()
    assert bridge.observer.finalized == [("caller_hangup", bridge.counters)]
    assert bridge.finished.is_set()
