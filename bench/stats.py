"""Percentiles and plain-text tables for the benchmarks' printed figures (pure)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100, nearest rank) of values, None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def fmt(value: float | None, digits: int = 2) -> str:
    """A number for a table cell; '-' when unknown."""
    if value is None:
        return "-"
    return f"{value:.{digits}f}"


def summary(values: Sequence[float | None], unit: str, digits: int = 2) -> str:
    """'median (min-max)' of the values that are known, '-' when there are none."""
    known = [v for v in values if v is not None]
    if not known:
        return "-"
    median, low, high = statistics.median(known), min(known), max(known)
    return f"{median:.{digits}f}{unit} ({low:.{digits}f}-{high:.{digits}f})"


def ratio(numerator: float | None, denominator: float | None) -> str:
    """numerator/denominator as '1.23x', '-' when either is unknown or the floor is zero."""
    if numerator is None or denominator is None or denominator <= 0:
        return "-"
    return f"{numerator / denominator:.2f}x"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned first column, right-aligned numbers, one space-padded line per row."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = []
    for row in (header, *rows):
        cells = [str(row[0]).ljust(widths[0])]
        cells += [str(cell).rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells))
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def slope(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Least-squares slope of ys over xs, None with fewer than 3 points or no spread in xs."""
    if len(xs) < 3:
        return None
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
