"""Readable and writable events without Twisted's per-event log context.

Twisted's asyncio reactor wraps every socket event in log.callWithLogger: it asks the protocol
for its log prefix, then runs the read inside a new logging context (dictionary copies and
thread-local bookkeeping) so that legacy Twisted log lines carry that prefix. Under 50 media
streams that wrapper alone was about 4 % of daphne's CPU, and daphne sends Twisted's log to
nowhere anyway. This replacement calls the handler directly and keeps the wrapper's one real
duty: an exception escaping the handler is logged (with the prefix) and never reaches the loop.
"""

from __future__ import annotations

from twisted.internet import asyncioreactor
from twisted.python import log


def call_logged(logger, func, *args, **kwargs):
    """Run a reactor handler; log what escapes it, as callWithLogger does."""
    try:
        return func(*args, **kwargs)
    except KeyboardInterrupt:
        raise
    except BaseException:
        try:
            prefix = logger.logPrefix()
        except Exception:
            prefix = "(buggy logPrefix method)"
        log.err(system=prefix)
        return None


def install() -> None:
    """Make the asyncio reactor register its socket handlers through call_logged (idempotent).

    Sockets registered before this keep the old wrapper; call it before daphne listens.
    """
    asyncioreactor.callWithLogger = call_logged
