"""Where a server's CPU goes, by area, from py-spy's raw (collapsed) stacks (prints a table).

Record: `.venv/bin/py-spy record --pid PID --duration 20 --rate 200 --format raw -o x.raw`
while bench/bridge_latency.py drives daphne, then `.venv/bin/python -m bench.profile_areas x.raw`.
Each sample goes to the area of its innermost frame that matches a rule (json inside our parser
counts as json; our parser's own lines as protocol), so the shares add up to 100 %.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^:()]+)(?::\d+)?\)$")
AREAS = [  # (area, substrings of a frame's file); the first rule a file matches names its area
    ("json parse/build", ("json/",)),
    ("websockets client (OpenAI socket)", ("websockets/",)),
    ("autobahn (Twilio socket frames)", ("autobahn/", "txaio/")),
    ("twisted reactor + daphne", ("twisted/", "daphne/", "zope/")),
    ("channels/asgiref", ("channels/", "asgiref/")),
    ("our protocol/ parsing+building", ("calls/live/protocol/",)),
    ("our media_stream consumer", ("calls/live/media_stream.py",)),
    (
        "our bridge (bridge, ai_events, playback, transcripts)",
        ("calls/live/bridge.py", "calls/live/ai_events.py", "calls/live/playback.py")
        + ("calls/live/transcripts.py", "calls/live/audio.py", "calls/live/realtime_client.py"),
    ),
    (
        "observer/recorder/monitoring",
        ("calls/records/", "calls/monitoring/", "calls/live/stereo_recording.py"),
    ),
    ("metrics", ("calls/operations/", "prometheus_client/")),
    ("django/db", ("django/", "psycopg", "sqlite3/", "channels_redis/", "redis/")),
    ("logging", ("logging/",)),
    ("asyncio event loop", ("asyncio/", "selectors.py")),
]


def area_of(stack: str) -> str:
    """The area of one sample: its innermost frame that a rule names."""
    for frame in reversed(stack.split(";")):
        match = FRAME.match(frame)
        path = match.group("file") if match else frame
        for area, needles in AREAS:
            if any(needle in path for needle in needles):
                return area
    return "other"


def shares(lines: list[str]) -> tuple[Counter, int]:
    """Samples per area, and the total."""
    counts: Counter = Counter()
    for line in lines:
        stack, _, number = line.rstrip().rpartition(" ")
        if stack and number.isdigit():
            counts[area_of(stack)] += int(number)
    return counts, sum(counts.values())


def main() -> None:
    """Print the areas, largest first."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", type=Path, nargs="+")
    args = parser.parse_args()
    for path in args.raw:
        counts, total = shares(path.read_text().splitlines())
        print(f"{path} ({total} samples)")
        for area, number in counts.most_common():
            print(f"  {100 * number / total:5.1f} %  {area}")


if __name__ == "__main__":
    main()
