"""Persists call records beside the hot path: a bounded queue drained in batches by one task.

If the database is slow or down the call goes on: batches are retried with backoff, and only
when the queue is full is the oldest record dropped, with an error log naming the call and what
was lost. Nothing is dropped silently.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.db import InterfaceError, OperationalError, close_old_connections, transaction

from calls.drained_queue import DrainedQueue, stop_if_cancelled

logger = logging.getLogger(__name__)

QUEUE_CAPACITY = 20_000
BATCH_SIZE = 200
RETRY_DELAYS_S = (0.2, 0.5, 1.0, 2.0, 5.0)


@dataclass(frozen=True, slots=True)
class Record:
    """One write: a sync ORM function with its arguments, and the call it belongs to."""

    call_sid: str
    what: str
    operation: Callable
    args: tuple


def write_batch(records: list[Record]) -> None:
    """Apply a batch in one transaction (sync; runs in Django's one thread for the database).

    The connection stays open between batches (opening one per batch cost more CPU than the
    writes); after an error it is closed, so the next attempt starts on a fresh one.
    """
    try:
        with transaction.atomic():
            for record in records:
                record.operation(*record.args)
    except Exception:
        close_old_connections()
        raise


class Recorder:
    """Per-process writer of call records."""

    def __init__(self, capacity: int = QUEUE_CAPACITY):
        self.lost = 0
        self._pending = DrainedQueue(capacity, self._drain, "call-recorder")
        self._database_down = False

    def record(self, call_sid: str, what: str, operation: Callable, *args) -> None:
        """Queue a write without waiting; when full, drop the oldest and log what was lost."""
        lost = self._pending.put(Record(call_sid, what, operation, args))
        if lost is not None:
            self.lost += 1
            logger.error(
                "database backlog full: lost %s of call %s (%d lost so far)",
                lost.what,
                lost.call_sid,
                self.lost,
            )

    async def flush(self) -> None:
        """Wait until every queued record is written (tests, teardown, shutdown)."""
        await self._pending.join()

    @property
    def backlog(self) -> int:
        """Records waiting to be written."""
        return self._pending.size

    async def _drain(self, queue: asyncio.Queue) -> None:
        """Write batches forever, retrying while the database is unreachable."""
        while True:
            batch = [await queue.get()]
            while len(batch) < BATCH_SIZE and not queue.empty():
                batch.append(queue.get_nowait())
            await self._write_with_retry(batch)
            for _ in batch:
                queue.task_done()
            stop_if_cancelled()

    async def _write_with_retry(self, batch: list[Record]) -> None:
        """Write a batch; retry while the database is unreachable, isolate rows it rejects."""
        attempt = 0
        while True:
            try:
                await sync_to_async(write_batch, thread_sensitive=True)(batch)
            except (OperationalError, InterfaceError) as error:  # down or slow: keep and retry
                if not self._database_down:
                    logger.error(
                        "database unreachable, %d records waiting: %s", self.backlog, error
                    )
                    self._database_down = True
                await asyncio.sleep(RETRY_DELAYS_S[min(attempt, len(RETRY_DELAYS_S) - 1)])
                attempt += 1
                continue
            except Exception as error:  # the database rejected a row: find it, keep the rest
                if len(batch) > 1:
                    for record in batch:
                        await self._write_with_retry([record])
                else:
                    self.lost += 1
                    logger.error(
                        "could not store %s of call %s: %s", batch[0].what, batch[0].call_sid, error
                    )
                return
            if self._database_down:
                logger.info("database reachable again; backlog written")
                self._database_down = False
            return


recorder = Recorder()
