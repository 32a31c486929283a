"""Alternate a benchmark's variants over rounds: on a noisy machine only same-run pairs compare."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any


async def alternate(
    rounds: int,
    variants: Sequence[Any],
    measure: Callable[[Any], Awaitable[Any]],
    name: Callable[[Any], str],
) -> list[Any]:
    """Measure every variant in turn, `rounds` times over; each result gets its `round_no`.

    Progress goes to stderr ("measured <name> round <n>"), the figures to the caller.
    """
    results = []
    for round_no in range(1, rounds + 1):
        for variant in variants:
            result = await measure(variant)
            result.round_no = round_no
            results.append(result)
            print(f"  measured {name(variant)} round {round_no}", file=sys.stderr, flush=True)
    return results
