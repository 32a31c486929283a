"""The CallSid on every log line of a call, through a context variable set by the consumer.

Tasks copy the context when they are created, and a call's tasks (the Realtime reader, the
layer listener) start before Twilio's `start` names the call. So the consumer puts a mutable
CallTag in the context first and fills in the sid later; every task that copied it sees it.
"""

import contextvars
import logging
from dataclasses import dataclass


@dataclass
class CallTag:
    """The call a task works for; `sid` is filled in once the stream is verified."""

    sid: str = "-"


current_call_sid: contextvars.ContextVar = contextvars.ContextVar("call_sid", default="-")


def tag_this_task() -> CallTag:
    """Give the current task (and every task it starts later) a tag to name its call."""
    tag = CallTag()
    current_call_sid.set(tag)
    return tag


class CallSidFilter(logging.Filter):
    """Adds `call_sid` to every record: the call whose task logged it, or '-'."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Attach the current call's sid; never drops a record."""
        if not hasattr(record, "call_sid"):
            value = current_call_sid.get()
            record.call_sid = getattr(value, "sid", value)
        return True
