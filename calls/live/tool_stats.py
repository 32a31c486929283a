"""Tool calls counted per process, for /metrics: outcomes and latencies per tool (no Django)."""

from __future__ import annotations

from collections import Counter, defaultdict

LATENCY_BUCKETS_MS = (50, 100, 250, 500, 1000, 2000, 3000, 5000, 10000)


class ToolStats:
    """Counts of outcomes and a latency histogram per tool name."""

    def __init__(self) -> None:
        self.outcomes: Counter[tuple[str, str]] = Counter()
        self.latency_buckets: dict[str, list[int]] = defaultdict(
            lambda: [0] * (len(LATENCY_BUCKETS_MS) + 1)
        )
        self.latency_sum_ms: Counter[str] = Counter()

    def record(self, tool: str, outcome: str, latency_ms: int) -> None:
        """One finished tool call."""
        self.outcomes[(tool, outcome)] += 1
        buckets = self.latency_buckets[tool]
        index = next(
            (i for i, bound in enumerate(LATENCY_BUCKETS_MS) if latency_ms <= bound),
            len(LATENCY_BUCKETS_MS),
        )
        buckets[index] += 1
        self.latency_sum_ms[tool] += latency_ms


tool_stats = ToolStats()
