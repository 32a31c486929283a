"""bench/fake_ai.py with a send stamp on every agent transcript delta (for monitor_latency.py).

Each `response.output_audio_transcript.delta` gets `⟦<monotonic µs>⟧` appended to its text. The
bridge publishes the agent's text so far (throttled), so the last stamp in a supervisor's
`call.transcript` is the send time of the delta that triggered that publish.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import fake_ai, stamps
from calls.simulator.realtime_response import ResponseRun

TRANSCRIPT_DELTA = "response.output_audio_transcript.delta"
_plain_init = ResponseRun.__init__


def _stamping_init(self, *, emit, **options):
    """Wrap the response's emit so transcript deltas carry their send time."""

    async def stamped(event: dict) -> None:
        if event.get("type") == TRANSCRIPT_DELTA:
            event = {**event, "delta": f"{event['delta']}⟦{stamps.now_us()}⟧"}
        await emit(event)

    _plain_init(self, emit=stamped, **options)


ResponseRun.__init__ = _stamping_init

if __name__ == "__main__":
    fake_ai.main()
