"""A set that keeps only the latest ids: late events of recent items, bounded in long calls."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator

DEFAULT_CAPACITY = 64  # far more than the responses, items or tool calls still in flight


class RecentIds:
    """Membership for the `capacity` most recently added ids; older ones are forgotten.

    A call remembers items cut by a barge-in, responses it cancelled and tool calls it handled
    so that their late events are recognised. Those events come within seconds, while the ids
    pile up for as long as the call lasts; keeping the latest few keeps memory flat.
    """

    def __init__(self, capacity: int = DEFAULT_CAPACITY):
        self.capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()

    def add(self, item: str) -> None:
        """Remember an id (as the newest), forgetting the oldest beyond capacity."""
        self._ids[item] = None
        self._ids.move_to_end(item)
        if len(self._ids) > self.capacity:
            self._ids.popitem(last=False)

    def update(self, items: Iterable[str]) -> None:
        """Remember several ids, in order."""
        for item in items:
            self.add(item)

    def __contains__(self, item: object) -> bool:
        return item in self._ids

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)
