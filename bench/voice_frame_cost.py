"""CPU per caller frame in CallBridge.on_caller_audio: nobody listening vs one listener (prints).

Run: `.venv/bin/python bench/voice_frame_cost.py [--frames 20000] [--repeats 7]`.

The real bridge in phase `live`, its Realtime socket a no-op sender, fed 20 ms mu-law frames as
fast as it takes them, in one process: what the hot path costs per frame in CPU time, which a
busy machine does not blur the way it blurs end-to-end latency. Variants alternate over repeats
and the minimum of each is reported (the least-disturbed run):

- nobody: no lease, as every call without a listener;
- listening: one lease; each frame is also decoded from base64, framed (9-byte header) and put
  on the audio queue. The drain task's channel-layer send runs beside the hot path; its cost
  shows in bench/voice_latency.py's end-to-end figures.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import django

FRAME = base64.b64encode(bytes(range(160))).decode()


class NullSocket:
    """A Realtime socket (and a channel layer) that sends nowhere."""

    async def send(self, *message) -> None:
        return None


def live_bridge():
    """A CallBridge in phase live with a no-op socket and an outlet to the real audio queue."""
    from calls.live.bridge import BridgeSettings, CallBridge
    from calls.live.phase import CallPhase
    from calls.live.realtime_client import RealtimeEndpoint
    from calls.monitoring.live_audio import ListenOutlet

    async def ignore(*args):
        return None

    bridge = CallBridge(BridgeSettings(RealtimeEndpoint("ws://x", "k", "m")), ignore, ignore)
    bridge.phase.to(CallPhase.CONFIGURING)
    bridge.phase.to(CallPhase.LIVE)
    bridge.link.socket = NullSocket()
    bridge.voice.outlet = ListenOutlet("CAbench", NullSocket())
    return bridge


async def cpu_per_frame(bridge, frames: int) -> float:
    """Microseconds of CPU per on_caller_audio call."""
    start = time.process_time()
    for n in range(frames):
        await bridge.on_caller_audio(FRAME, n * 20)
        bridge.caller_audio.unfinished_turn.clear()
    return (time.process_time() - start) / frames * 1e6


async def main(args: argparse.Namespace) -> None:
    results: dict[str, list[float]] = {"nobody": [], "listening": []}
    from calls.monitoring import live_audio

    for _ in range(args.repeats):
        bridge = live_bridge()
        results["nobody"].append(await cpu_per_frame(bridge, args.frames))
        # A queue as big as the run: the hot path's put, never the drop of a full queue.
        live_audio.audio_publisher = live_audio.AudioPublisher(capacity=args.frames + 1)
        await bridge.voice.listen("bench-listener", 30, None, "bench")
        results["listening"].append(await cpu_per_frame(bridge, args.frames))
        for task in list(bridge.tasks):
            task.cancel()
    live_audio.audio_publisher = live_audio.AudioPublisher()
    nobody, listening = min(results["nobody"]), min(results["listening"])
    print(f"CPU per caller frame in on_caller_audio, min of {args.repeats} x {args.frames} frames:")
    print(f"  nobody listening: {nobody:.2f} us")
    print(f"  one listener:     {listening:.2f} us  (+{listening - nobody:.2f} us per frame)")


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arsproject.settings")
    os.environ.setdefault("ARS_DOTENV_PATH", "/nonexistent/.env")
    os.environ.pop("REDIS_URL", None)
    django.setup()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=7)
    asyncio.run(main(parser.parse_args()))
