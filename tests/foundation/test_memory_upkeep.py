"""Memory upkeep: a regular full collection on the loop, malloc trimmed in its own thread."""

import asyncio
import gc
import logging
import threading
import weakref

import pytest

from arsproject import memory_upkeep
from arsproject.memory_upkeep import (
    M_ARENA_MAX,
    M_MMAP_THRESHOLD,
    MemoryUpkeep,
    fix_mmap_threshold,
    glibc,
    limit_arenas,
)
from calls.operations.metrics import CallMetrics
from tests.operations.test_metrics import value


class FakeLibc:
    """The two glibc calls the upkeep makes, recorded with the thread that made them."""

    def __init__(self, fail_first_trims: int = 0):
        self.mallopt_calls: list[tuple[int, int]] = []
        self.trim_threads: list[str] = []
        self.fail_first_trims = fail_first_trims
        self.trimmed = threading.Event()

    def mallopt(self, parameter: int, value: int) -> int:
        self.mallopt_calls.append((parameter, value))
        return 1

    def malloc_trim(self, pad: int) -> int:
        self.trim_threads.append(threading.current_thread().name)
        if len(self.trim_threads) <= self.fail_first_trims:
            raise OSError("trim failed")
        self.trimmed.set()
        return 1


class Cycle:
    """An object that refers to itself: only a full collection frees it."""

    def __init__(self):
        self.me = self


def test_it_caps_glibc_at_two_malloc_arenas():
    library = FakeLibc()
    assert limit_arenas(library) is True
    assert library.mallopt_calls == [(M_ARENA_MAX, 2)]


def test_it_keeps_glibcs_mmap_threshold_at_128_kib():
    library = FakeLibc()
    assert fix_mmap_threshold(library) is True
    assert library.mallopt_calls == [(M_MMAP_THRESHOLD, 128 * 1024)]


def test_this_machine_has_glibc_so_the_cap_and_the_trim_really_apply():
    library = glibc()
    assert library is not None
    assert limit_arenas(library) is True
    assert fix_mmap_threshold(library) is True


async def test_a_pass_frees_cyclic_garbage_and_trims_in_the_trim_thread():
    upkeep = MemoryUpkeep(30, FakeLibc())
    garbage = Cycle()
    gone = weakref.ref(garbage)
    del garbage
    gc.collect(0)  # a young pass may promote it; only the full pass is sure to free it
    await upkeep.run_once()
    assert gone() is None
    assert upkeep.library.trim_threads == ["malloc-trim_0"]
    assert threading.current_thread().name != "malloc-trim_0"
    assert upkeep.stats.passes == 1
    assert upkeep.stats.trims == 1
    assert 0 < upkeep.stats.last_collect_s <= upkeep.stats.max_collect_s


async def test_without_glibc_it_still_collects_and_skips_the_trim():
    upkeep = MemoryUpkeep(30, None)
    upkeep.library = None  # as on musl or macOS
    await upkeep.run_once()
    assert upkeep.stats.passes == 1
    assert upkeep.stats.trims == 0


async def test_it_starts_once_per_event_loop_and_not_at_all_when_switched_off():
    upkeep = MemoryUpkeep(3600, FakeLibc())
    threads_before = threading.active_count()
    upkeep.keep_running()
    first = upkeep.task
    assert threading.active_count() == threads_before + 1  # the trim thread, at once
    upkeep.keep_running()
    assert upkeep.task is first and not first.done()
    first.cancel()
    await asyncio.wait([first])
    upkeep.keep_running()  # a finished task is replaced
    assert upkeep.task is not first
    upkeep.task.cancel()

    switched_off = MemoryUpkeep(0, FakeLibc())
    switched_off.keep_running()
    assert switched_off.task is None


async def test_a_failing_pass_is_logged_and_the_next_one_still_runs(caplog):
    library = FakeLibc(fail_first_trims=1)
    upkeep = MemoryUpkeep(0.01, library)
    with caplog.at_level(logging.ERROR, logger="arsproject.memory_upkeep"):
        upkeep.keep_running()
        try:
            await asyncio.wait_for(asyncio.to_thread(library.trimmed.wait, 10), 10)
        finally:
            upkeep.task.cancel()
    assert len(library.trim_threads) >= 2
    assert "memory upkeep pass failed" in caplog.text


async def test_metrics_show_the_passes_and_the_longest_collection(monkeypatch):
    metrics = CallMetrics(lambda: [])
    monkeypatch.setattr(memory_upkeep, "upkeep", None)
    with pytest.raises(AssertionError, match="ars_memory_upkeep_passes"):
        value(metrics, "ars_memory_upkeep_passes_total")  # no call yet: no upkeep, no figure
    upkeep = MemoryUpkeep(30, FakeLibc())
    monkeypatch.setattr(memory_upkeep, "upkeep", upkeep)
    await upkeep.run_once()
    await upkeep.run_once()
    assert value(metrics, "ars_memory_upkeep_passes_total") == 2
    longest = value(metrics, "ars_memory_upkeep_max_collect_seconds")
    assert longest == upkeep.stats.max_collect_s > 0
