"""The CallSid on every log line of a call, through a context variable set by the consumer."""

import contextvars
import logging

current_call_sid: contextvars.ContextVar[str] = contextvars.ContextVar("call_sid", default="-")


class CallSidFilter(logging.Filter):
    """Adds `call_sid` to every record: the call whose task logged it, or '-'."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Attach the current call's sid; never drops a record."""
        if not hasattr(record, "call_sid"):
            record.call_sid = current_call_sid.get()
        return True
