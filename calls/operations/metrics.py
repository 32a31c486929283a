"""Prometheus metrics for /metrics, read from the live bridges at scrape time.

The hot path pays nothing beyond the int increments the bridge already does: a custom collector
sums the live bridges' counters when Prometheus scrapes, and `record_finished(bridge)`, called
once at a bridge's teardown, moves its counters into process-lifetime totals and observes its
turn latencies and barge-in reactions in histograms. A bridge is counted live until it is
recorded, then only in the totals, so the counters never go backwards.
"""

from __future__ import annotations

import asyncio
import itertools
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from decimal import Decimal

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from arsproject import memory_upkeep
from calls.live.bridge import CallBridge
from calls.live.tool_stats import LATENCY_BUCKETS_MS, ToolStats, tool_stats
from calls.monitoring.access import is_staff, token_user
from calls.monitoring.kpis import day_cost
from calls.monitoring.live_events import publisher
from calls.records.cost import cost_of, prices_for
from calls.records.recorder import recorder

TURN_LATENCY_BUCKETS_S = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
BARGE_IN_BUCKETS_S = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


@dataclass
class CallTotals:
    """Sums of the per-call counters the bridge keeps."""

    frames_in: int = 0
    frames_out: int = 0
    frames_dropped: int = 0
    reconnects: int = 0
    protocol_errors: int = 0
    turns: int = 0
    interruptions: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: Decimal = field(default_factory=Decimal)

    def add(self, bridge: CallBridge) -> None:
        """Add one bridge's counters."""
        counters = bridge.counters
        self.frames_in += bridge.frames_in
        self.frames_out += bridge.agent_audio.frames_out
        self.frames_dropped += bridge.caller_audio.frames_dropped
        self.reconnects += bridge.reconnects
        self.protocol_errors += counters.protocol_errors
        self.turns += counters.turns
        self.interruptions += counters.interruptions
        self.input_tokens += counters.input_tokens
        self.output_tokens += counters.output_tokens
        self.cost += bridge_cost(bridge)

    def plus(self, other: CallTotals) -> CallTotals:
        """A new total: this one and another added up."""
        return CallTotals(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )


def bridge_cost(bridge: CallBridge) -> Decimal:
    """What a bridge's call has cost so far at its model's price (0 for a model without one)."""
    prices = prices_for(bridge.settings.endpoint.model, settings.OPENAI_PRICES)
    return cost_of(bridge.counters.usage, prices) if prices else Decimal(0)


COUNTERS = (
    ("frames_in", "ars_twilio_frames_in", "Caller audio frames received from Twilio."),
    ("frames_out", "ars_twilio_frames_out", "Agent audio frames sent to Twilio."),
    (
        "frames_dropped",
        "ars_caller_frames_dropped",
        "Caller audio frames pushed out of the 10 s kept while OpenAI was not ready.",
    ),
    ("reconnects", "ars_realtime_reconnects", "Reconnections to OpenAI Realtime."),
    ("protocol_errors", "ars_protocol_errors", "Malformed frames and OpenAI errors, both sides."),
    ("turns", "ars_agent_turns", "Agent turns spoken."),
    ("interruptions", "ars_barge_ins", "Agent turns the caller interrupted."),
)


class CallMetrics:
    """One process's call metrics: a registry, a scrape-time collector and the finished totals."""

    def __init__(self, bridges: Callable[[], Iterable[CallBridge]] = lambda: CallBridge.live):
        self.bridges = bridges
        self.finished = CallTotals()
        self.calls_finished = 0
        self.cost_today: float | None = None  # read from the call log before each scrape
        self._recorded: weakref.WeakSet[CallBridge] = weakref.WeakSet()
        self.registry = CollectorRegistry()
        self.turn_latency = Histogram(
            "ars_turn_latency_seconds",
            "From the caller's end of speech to the agent's first audio, per turn.",
            buckets=TURN_LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.barge_in_reaction = Histogram(
            "ars_barge_in_reaction_seconds",
            "From OpenAI's speech_started to the clear sent to Twilio.",
            buckets=BARGE_IN_BUCKETS_S,
            registry=self.registry,
        )
        self.registry.register(self)
        ProcessCollector(registry=self.registry)  # memory, CPU, open files of this process

    def record_finished(self, bridge: CallBridge) -> None:
        """A call is over: move its counters into the lifetime totals (once per bridge)."""
        if bridge in self._recorded:
            return
        self._recorded.add(bridge)
        self.finished.add(bridge)
        self.calls_finished += 1
        for latency_ms in bridge.counters.latencies_ms:
            self.turn_latency.observe(latency_ms / 1000)
        for reaction_s in bridge.agent_audio.barge_in_reaction_s:
            self.barge_in_reaction.observe(reaction_s)

    def live_bridges(self) -> list[CallBridge]:
        """Bridges not yet recorded as finished (a copy: the set changes as calls come and go)."""
        return [bridge for bridge in list(self.bridges()) if bridge not in self._recorded]

    def collect(self):
        """Called by prometheus_client at scrape time: read every live bridge once."""
        live = self.live_bridges()
        in_progress = CallTotals()
        for bridge in live:
            in_progress.add(bridge)
        totals = self.finished.plus(in_progress)
        yield gauge(
            "ars_active_calls",
            "Calls bridged right now.",
            sum(not b.closed for b in live),
        )
        try:
            tasks = len(asyncio.all_tasks())
        except RuntimeError:  # collected outside the event loop: no figure rather than a wrong one
            pass
        else:
            yield gauge("ars_asyncio_tasks", "Asyncio tasks alive in this process.", tasks)
        yield counter(
            "ars_calls_finished", "Calls whose bridge has been torn down.", self.calls_finished
        )
        for attribute, name, documentation in COUNTERS:
            yield counter(name, documentation, getattr(totals, attribute))
        tokens = CounterMetricFamily("ars_realtime_tokens", "OpenAI tokens used.", labels=["kind"])
        tokens.add_metric(["input"], totals.input_tokens)
        tokens.add_metric(["output"], totals.output_tokens)
        yield tokens
        cost = CounterMetricFamily(
            "ars_realtime_cost",
            "OpenAI Realtime cost of this process's calls, at the configured prices.",
            labels=["currency"],
        )
        cost.add_metric([settings.OPENAI_PRICE_CURRENCY], float(totals.cost))
        yield cost
        if self.cost_today is not None:
            today = GaugeMetricFamily(
                "ars_calls_cost_today",
                "Cost of today's calls (Asia/Seoul) in the call log, every process together.",
                labels=["currency"],
            )
            today.add_metric([settings.OPENAI_PRICE_CURRENCY], self.cost_today)
            yield today
        yield gauge("ars_recorder_backlog", "Call records waiting to be written.", recorder.backlog)
        yield counter("ars_recorder_lost", "Call records that could not be stored.", recorder.lost)
        yield counter(
            "ars_monitor_events_dropped",
            "Live events dropped from a full queue.",
            publisher.dropped,
        )
        yield counter(
            "ars_monitor_publish_failures",
            "Live events the channel layer refused.",
            publisher.failures,
        )
        yield from upkeep_metrics(memory_upkeep.upkeep)
        yield from tool_metrics(tool_stats)

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)


def upkeep_metrics(upkeep: memory_upkeep.MemoryUpkeep | None):
    """The memory upkeep's passes and the pause its full collections made (none before a call)."""
    if upkeep is None:
        return
    stats = upkeep.stats
    yield counter("ars_memory_upkeep_passes", "Full collections and trims done.", stats.passes)
    yield gauge(
        "ars_memory_upkeep_last_collect_seconds",
        "How long the last full collection held the event loop.",
        stats.last_collect_s,
    )
    yield gauge(
        "ars_memory_upkeep_max_collect_seconds",
        "The longest full collection so far.",
        stats.max_collect_s,
    )


def tool_metrics(stats: ToolStats):
    """Business tool calls per tool and outcome, and their latency histogram."""
    outcomes = CounterMetricFamily(
        "ars_tool_calls", "Business tool calls by outcome.", labels=["tool", "outcome"]
    )
    for (tool, outcome), count in sorted(stats.outcomes.items()):
        outcomes.add_metric([tool, outcome], count)
    yield outcomes
    latency = HistogramMetricFamily(
        "ars_tool_latency_seconds", "Business tool request latency.", labels=["tool"]
    )
    for tool, counts in sorted(stats.latency_buckets.items()):
        bounds = [str(ms / 1000) for ms in LATENCY_BUCKETS_MS] + ["+Inf"]
        cumulative = list(itertools.accumulate(counts))
        latency.add_metric(
            [tool], list(zip(bounds, cumulative, strict=True)), stats.latency_sum_ms[tool] / 1000
        )
    yield latency


def gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    """A single-sample gauge."""
    return GaugeMetricFamily(name, documentation, value=value)


def counter(name: str, documentation: str, value: float) -> CounterMetricFamily:
    """A single-sample counter (exposed with the `_total` suffix)."""
    return CounterMetricFamily(name, documentation, value=value)


call_metrics = CallMetrics()


def record_finished(bridge: CallBridge) -> None:
    """Fold a torn-down bridge into this process's lifetime totals (call from the teardown)."""
    call_metrics.record_finished(bridge)


def scraper(request):
    """The user behind the session or an API token, or None (sync: may read the database)."""
    return request.user if request.user.is_authenticated else token_user(request)


@require_GET
async def metrics(request):
    """GET /metrics: Prometheus text for a staff session or a staff member's API token.

    Async so the collector reads the bridges on the event loop that mutates them.
    """
    user = await sync_to_async(scraper)(request)
    if user is None:
        return HttpResponse("staff session or API token required\n", status=401)
    if not is_staff(user):
        return HttpResponse("staff only\n", status=403)
    call_metrics.cost_today = await sync_to_async(cost_today)()
    return HttpResponse(call_metrics.render(), content_type=CONTENT_TYPE_LATEST)


def cost_today() -> float | None:
    """Today's total cost from the call log; None when the database cannot say."""
    try:
        return day_cost(timezone.localdate())
    except DatabaseError:
        return None
