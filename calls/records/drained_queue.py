"""A bounded queue emptied by one background task: how records and live events leave a call."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from typing import Any


class DrainedQueue:
    """A bounded asyncio queue with one drain task on the running event loop.

    The task starts with the first item put on a loop (each test runs in a new loop, which gets
    a new queue and task), in an empty context so its log lines name no call. When the queue is
    full the oldest item is dropped and handed back, for the owner to report.
    """

    def __init__(self, capacity: int, drain: Callable[[asyncio.Queue], Awaitable[None]], name: str):
        self.capacity = capacity
        self.drain = drain
        self.name = name
        self._queue: asyncio.Queue | None = None
        self._task: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def put(self, item: Any) -> Any | None:
        """Queue an item without waiting; returns the oldest item if it had to be dropped."""
        queue = self._running_queue()
        dropped = None
        if queue.full():
            dropped = queue.get_nowait()
            queue.task_done()
        queue.put_nowait(item)
        return dropped

    async def join(self) -> None:
        """Wait until every queued item has been handled (tests, teardown, shutdown)."""
        if self._queue is not None and self._loop is asyncio.get_running_loop():
            await self._queue.join()

    @property
    def size(self) -> int:
        """Items waiting."""
        return self._queue.qsize() if self._queue is not None else 0

    def _running_queue(self) -> asyncio.Queue:
        """The queue of the running loop, starting its drain task when needed."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._task is None or self._task.done():
            self._loop = loop
            self._queue = asyncio.Queue(self.capacity)
            self._task = loop.create_task(
                self.drain(self._queue), name=self.name, context=contextvars.Context()
            )
        return self._queue


def stop_if_cancelled() -> None:
    """Re-raise a cancellation that library code swallowed (channels_redis can, mid-send).

    Without this a drain task asked to stop would go back to waiting on its queue forever, and
    the event loop's shutdown would wait for it.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
