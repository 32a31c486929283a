"""bridge_latency's printed report: per-run rows, ratios to both floors and to the faster (pure).

Kinds: "bridge" (ours), optionally "before" (ours from another checkout, --before) and "uvicorn"
(ours served by uvicorn, --uvicorn), and the two
floors: "relay" (bench/relay.py, `websockets`) and "aiohttp" (bench/relay_aiohttp.py). In each
round the faster floor is the one that spent less CPU per call-second in that round; ratios and
added latencies against it are the stricter standard (issue 21).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bench.stats import fmt, ratio, summary, table

FLOORS = ("relay", "aiohttp")
BRIDGES = ("bridge", "before", "uvicorn")
HEADER = [
    "config",
    "in p50",
    "in p99",
    "out p50",
    "out p99",
    "CPU ms/call-s",
    "%core/call",
    "MiB/call",
    "clear p50",
    "clear p99",
]


class Figure(Protocol):
    """What the report reads of one run (bench.bridge_latency.Figures)."""

    kind: str
    calls: int
    round_no: int
    in_p50: float | None
    in_p99: float | None
    out_p50: float | None
    out_p99: float | None
    cpu_ms_per_call_s: float | None
    cpu_us_per_frame: float | None
    delivered: float | None
    mib_per_call: float | None
    clear_p50: float | None
    clear_p99: float | None


@dataclass(frozen=True)
class Layout:
    """What was run: calls per configuration, rounds, and the run's settings for the title."""

    calls: Sequence[int]
    rounds: int
    title: str


def faster_floor(floors: Sequence[Figure]) -> Figure | None:
    """Of a round's floor runs, the one with the least CPU per call-second."""
    measured = [f for f in floors if f is not None and f.cpu_ms_per_call_s]
    return min(measured, key=lambda f: f.cpu_ms_per_call_s, default=None)


def label(figure: Figure, rounds: int) -> str:
    """A configuration's row name: 'bridge x50', with its round when there are several."""
    return f"{figure.kind} x{figure.calls}" + (f" #{figure.round_no}" if rounds > 1 else "")


def diff(a: float | None, b: float | None, digits: int = 2) -> str:
    """a - b with a sign, '-' when either is unknown."""
    if a is None or b is None:
        return "-"
    return f"{a - b:+.{digits}f}"


def figure_row(figure: Figure, rounds: int) -> list[str]:
    """One run's cells."""
    cpu = figure.cpu_ms_per_call_s
    return [
        label(figure, rounds),
        fmt(figure.in_p50),
        fmt(figure.in_p99),
        fmt(figure.out_p50),
        fmt(figure.out_p99),
        fmt(cpu),
        fmt(cpu / 10 if cpu else None),
        fmt(figure.mib_per_call, 3),
        fmt(figure.clear_p50),
        fmt(figure.clear_p99),
    ]


def compare_rows(name: str, ours: Figure, floor: Figure) -> list[list[str]]:
    """'ratio' and 'added' rows of one bridge run against one floor run."""
    fields = ("in_p50", "in_p99", "out_p50", "out_p99", "cpu_ms_per_call_s")
    tail = ("mib_per_call", "clear_p50", "clear_p99")
    ratios = [ratio(getattr(ours, f), getattr(floor, f)) for f in fields]
    ratios += ["", *(ratio(getattr(ours, f), getattr(floor, f)) for f in tail)]
    added = [diff(getattr(ours, f), getattr(floor, f)) for f in fields]
    added += ["", diff(ours.mib_per_call, floor.mib_per_call, 3)]
    added += [diff(getattr(ours, f), getattr(floor, f)) for f in tail[1:]]
    return [[f"  {name} ratio", *ratios], [f"  {name} added", *added]]


def round_rows(by_key: dict, calls: int, round_no: int, rounds: int) -> list[list[str]]:
    """A round's runs, then each bridge against each floor and the faster floor."""
    runs = {kind: by_key.get((kind, calls, round_no)) for kind in (*BRIDGES, *FLOORS)}
    rows = [figure_row(f, rounds) for f in runs.values() if f is not None]
    best = faster_floor([runs[k] for k in FLOORS])
    for kind in BRIDGES:
        ours = runs[kind]
        if ours is None:
            continue
        for floor_kind in FLOORS:
            if runs[floor_kind] is not None:
                rows += compare_rows(f"{kind}/{floor_kind}", ours, runs[floor_kind])
        if best is not None:
            rows += compare_rows(f"{kind}/faster({best.kind})", ours, best)[:1]
    return rows


def over_rounds(by_key: dict, layout: Layout) -> list[str]:
    """Per N and bridge kind: CPU ratio and added p99 to each floor and the faster, over rounds."""
    lines = ["over rounds (median, min-max):"]
    for calls in layout.calls:
        for kind in BRIDGES:
            rounds = range(1, layout.rounds + 1)
            ours = [by_key.get((kind, calls, n)) for n in rounds]
            if not any(ours):
                continue
            floors = {f: [by_key.get((f, calls, n)) for n in rounds] for f in FLOORS}
            floors["faster"] = [faster_floor(pair) for pair in zip(*floors.values(), strict=True)]
            cpu = [f.cpu_ms_per_call_s for f in ours if f and f.cpu_ms_per_call_s]
            lines.append(f"  {kind} x{calls}: CPU {summary(cpu, ' ms/call-s')}")
            for name, runs in floors.items():
                pairs = [(o, f) for o, f in zip(ours, runs, strict=True) if o and f]
                lines.append(
                    f"    vs {name}: CPU ratio "
                    + summary([cpu_ratio(o, f) for o, f in pairs], "x")
                    + " (per frame "
                    + summary([frame_ratio(o, f) for o, f in pairs], "x")
                    + "); added p99 in "
                    + summary([sub(o.in_p99, f.in_p99) for o, f in pairs], " ms")
                    + ", out "
                    + summary([sub(o.out_p99, f.out_p99) for o, f in pairs], " ms")
                )
    return [*lines, ""]


def cpu_ratio(ours: Figure, floor: Figure) -> float | None:
    """CPU per call-second of ours over the floor's, None when either is unknown."""
    if not ours.cpu_ms_per_call_s or not floor.cpu_ms_per_call_s:
        return None
    return ours.cpu_ms_per_call_s / floor.cpu_ms_per_call_s


def frame_ratio(ours: Figure, floor: Figure) -> float | None:
    """CPU per relayed frame of ours over the floor's: the work-normalized ratio.

    On a machine others load, callers and the fake fall behind and fewer frames flow; CPU per
    call-second then measures the load generator as much as the server. Per frame it does not.
    """
    if not ours.cpu_us_per_frame or not floor.cpu_us_per_frame:
        return None
    return ours.cpu_us_per_frame / floor.cpu_us_per_frame


def sub(a: float | None, b: float | None) -> float | None:
    """a - b, None when either is unknown."""
    return None if a is None or b is None else a - b


def render(figures: Sequence[Figure], layout: Layout, detail: str) -> str:
    """The printed report: the runs table, the spread over rounds, then the load detail."""
    by_key = {(f.kind, f.calls, f.round_no): f for f in figures}
    rows = []
    for calls in layout.calls:
        for round_no in range(1, layout.rounds + 1):
            rows += round_rows(by_key, calls, round_no, layout.rounds)
    return "\n".join(
        [
            f"{layout.title}, {os.cpu_count()} cores",
            "",
            table(HEADER, rows),
            "",
            *over_rounds(by_key, layout),
            detail,
        ]
    )
