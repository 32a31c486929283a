"""Keep a long-running server's memory flat: few malloc arenas, a regular full GC and a trim.

Every call leaves reference cycles behind (daphne's and Django's request objects, cancelled tasks
and their tracebacks, our consumer and bridge), so its memory comes back only at a full garbage
collection. Between such passes the process reaches a new high-water mark, and glibc keeps
freed pages, spread over one arena per thread that ever allocated, instead of giving them back.
Soaks measured the resident size growing 83 KiB per finished call with nothing alive leaking
(the traced Python heap returned to the same size after every full pass).

Four things flatten it:
- `limit_arenas()` at start-up caps glibc at two arenas (set before daphne starts threads);
- `fix_mmap_threshold()` at start-up keeps glibc's threshold for serving a request with its own
  mapping at 128 KiB. glibc otherwise raises it to the size of each such block freed, so after
  the first read of asyncio's 256 KiB buffer every read is carved from the heap, shrunk to the
  message, and the holes these leave between longer-lived objects grow the heap minute after
  minute: over 10 minutes of 50 recorded calls RSS per call grew 14 % with the moving
  threshold and 8.5 % with it fixed, which also made it 9 % smaller (bench/call_memory.py);
- `MemoryUpkeep` runs, every `MEMORY_UPKEEP_SECONDS`, a full collection on the event loop (it
  takes a few milliseconds: start-up objects are frozen out of it, see asgi.py) and measures it;
- then `malloc_trim(0)` in a thread of its own (ctypes releases the GIL), so the pages it hands
  back to the kernel never hold up a call.
On a C library without these calls (musl, macOS) the arena cap and the trim are skipped with one
log line, and the collection still runs.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import functools
import gc
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

logger = logging.getLogger(__name__)

M_ARENA_MAX = -8  # glibc's mallopt parameter numbers (malloc.h)
M_MMAP_THRESHOLD = -3
ARENA_LIMIT = 2
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's starting value, kept from moving


@functools.cache  # find_library runs ldconfig in a subprocess: once per process is enough
def glibc():
    """glibc as a ctypes library, or None on another C library."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    library = ctypes.CDLL(name)
    if not hasattr(library, "malloc_trim") or not hasattr(library, "mallopt"):
        return None
    return library


def limit_arenas(library=None, arenas: int = ARENA_LIMIT) -> bool:
    """Cap glibc's malloc arenas; True when the cap was set."""
    library = library if library is not None else glibc()
    if library is None:
        logger.info("memory upkeep: not glibc, malloc arenas left as they are")
        return False
    return bool(library.mallopt(M_ARENA_MAX, arenas))


def fix_mmap_threshold(library=None, threshold: int = MMAP_THRESHOLD_BYTES) -> bool:
    """Keep blocks of `threshold` bytes and more in mappings of their own; True when set."""
    library = library if library is not None else glibc()
    if library is None:
        return False
    return bool(library.mallopt(M_MMAP_THRESHOLD, threshold))


@dataclass
class UpkeepStats:
    """What the passes so far did (read by /metrics)."""

    passes: int = 0
    last_collect_s: float = 0.0
    max_collect_s: float = 0.0
    trims: int = 0


class MemoryUpkeep:
    """A periodic full collection and malloc trim for one process, on its event loop."""

    def __init__(self, interval_s: float, library=None):
        self.interval_s = interval_s
        self.library = library if library is not None else glibc()
        self.stats = UpkeepStats()
        self.task: asyncio.Task | None = None
        self.trimmer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="malloc-trim")

    def keep_running(self) -> None:
        """Start the periodic pass on the running loop, unless it already runs there or is off."""
        if self.interval_s <= 0:
            return
        loop = asyncio.get_running_loop()
        if self.task is not None and not self.task.done() and self.task.get_loop() is loop:
            return
        self.task = loop.create_task(self.run(), name="memory-upkeep")
        self.trimmer.submit(int)  # its one thread exists from now on, not from the first pass

    async def run(self) -> None:
        """Every interval, one pass; a failing pass is logged and the next one still comes."""
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.run_once()
            except Exception:
                logger.exception("memory upkeep pass failed")

    async def run_once(self) -> None:
        """Collect every generation here, then trim malloc's free pages in the trim thread."""
        started = time.perf_counter()
        gc.collect()
        took = time.perf_counter() - started
        stats = self.stats
        stats.passes += 1
        stats.last_collect_s = took
        stats.max_collect_s = max(stats.max_collect_s, took)
        if self.library is not None:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self.trimmer, self.library.malloc_trim, 0)
            stats.trims += 1


upkeep: MemoryUpkeep | None = None


def process_upkeep() -> MemoryUpkeep:
    """This process's upkeep, built from the settings on first use."""
    global upkeep
    if upkeep is None:
        from django.conf import settings

        upkeep = MemoryUpkeep(settings.MEMORY_UPKEEP_SECONDS)
    return upkeep
