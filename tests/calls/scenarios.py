"""Call scenarios several tests share: talking over the greeting, reading the agent's turn."""

from channels.db import database_sync_to_async

from calls.models import Utterance
from tests.calls.waiting import eventually


async def interrupt_the_greeting(fake_ai, make_caller):
    """Dial, hear part of the greeting, then talk over it until Twilio is told to clear."""
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await eventually(
        lambda: call.buffered_ms >= 2000
    )  # the greeting arrived, faster than real time
    await call.send_silence(600)  # ... and the caller has heard 600 ms of it
    heard_before = call.heard_ms
    await call.send_speech(300)
    await call.wait_for(lambda c: len(c.clears) == 1, timeout=10)
    return call, session, heard_before


async def first_agent_utterance(call_sid: str) -> Utterance:
    """The agent's first stored turn of a call (the greeting)."""
    return await database_sync_to_async(
        lambda: (
            Utterance.objects.filter(call__call_sid=call_sid, speaker="agent")
            .order_by("id")
            .first()
        )
    )()
