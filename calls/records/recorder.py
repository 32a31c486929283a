"""Persists call records beside the hot path: a bounded queue drained in batches by one task.

A batch gathers for BATCH_LINGER_S after its first record: the hop to the database thread and
the transaction cost about twice what a row does, so with many calls, writing every turn on its
own was a tenth of a call process's CPU (bench/bridge_latency.py at 100 calls). Rows appear
that much later; `flush()` (tests, shutdown) does not wait for the linger.

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

from calls.records.drained_queue import DrainedQueue, stop_if_cancelled

logger = logging.getLogger(__name__)

QUEUE_CAPACITY = 20_000
BATCH_SIZE = 200
BATCH_LINGER_S = 0.25
RETRY_DELAYS_S = (0.2, 0.5, 1.0, 2.0, 5.0)


@dataclass(frozen=True, slots=True)
class Record:
    """One write: a sync ORM function with its arguments, and the call it belongs to.

    An insert of independent rows may offer `operation.many(list_of_args)`, which stores the
    rows of many such records in one statement.
    """

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
            for operation, args in in_bulk(records):
                operation(*args)
    except Exception:
        close_old_connections()
        raise


def in_bulk(records: list[Record]) -> list[tuple[Callable, tuple]]:
    """A batch's writes, the rows of each insert that has a `many` form gathered into one call.

    A kind's rows go in at the place of its first row, in their order; every other write keeps
    its place. Gathered rows are independent (turns, timeline entries): nothing in a batch reads
    them, so writing some earlier changes nothing but their ids.
    """
    steps: list[tuple[Callable, tuple]] = []
    gathered: dict[Callable, list[tuple]] = {}
    for record in records:
        many = getattr(record.operation, "many", None)
        if many is None:
            steps.append((record.operation, record.args))
        elif many in gathered:
            gathered[many].append(record.args)
        else:
            gathered[many] = [record.args]
            steps.append((many, (gathered[many],)))
    return steps


class Recorder:
    """Per-process writer of call records."""

    def __init__(self, capacity: int = QUEUE_CAPACITY, linger_s: float = BATCH_LINGER_S):
        self.lost = 0
        self.linger_s = linger_s
        self._pending = DrainedQueue(capacity, self._drain, "call-recorder")
        self._database_down = False
        self._flushing = 0
        self._lingering: asyncio.Future | None = None

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
        """Wait until every queued record is written (tests, teardown, shutdown), at once."""
        self._flushing += 1
        try:
            lingering = self._lingering
            if lingering is not None and lingering.get_loop() is asyncio.get_running_loop():
                resolve(lingering)
            await self._pending.join()
        finally:
            self._flushing -= 1

    @property
    def backlog(self) -> int:
        """Records waiting to be written."""
        return self._pending.size

    async def _drain(self, queue: asyncio.Queue) -> None:
        """Write batches forever, retrying while the database is unreachable."""
        while True:
            batch = [await queue.get()]
            await self._linger()
            while len(batch) < BATCH_SIZE and not queue.empty():
                batch.append(queue.get_nowait())
            await self._write_with_retry(batch)
            for _ in batch:
                queue.task_done()
            stop_if_cancelled()

    async def _linger(self) -> None:
        """Let more records join the batch, unless someone is waiting for a flush."""
        if self._flushing or self.linger_s <= 0:
            return
        loop = asyncio.get_running_loop()
        self._lingering = loop.create_future()
        timer = loop.call_later(self.linger_s, resolve, self._lingering)
        try:
            await self._lingering
        finally:
            timer.cancel()
            self._lingering = None

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


def resolve(future: asyncio.Future) -> None:
    """End a linger early or on time (whichever comes first)."""
    if not future.done():
        future.set_result(None)


recorder = Recorder()
