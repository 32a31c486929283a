"""Memory a call's stereo recording takes, by call length (prints figures; virtual clock).

Run: `.venv/bin/python bench/recording_memory.py [--minutes 1 10] [--calls 10]`.

For each length a fresh child process records `--calls` simulated calls side by side, driven
through the bridge's recording interface (`caller_frame` every 20 ms; the agent speaking half
the time in 100 ms chunks sent ahead of playback, like OpenAI's; a barge-in `cleared` now and
then), then saves each WAV as the call log does. Reported per call: the child's peak resident
memory over its baseline (ru_maxrss; includes saving the WAV) and the audio bytes the recording
objects held at their peak; and the CPU the recording costs per second of call (recording and
saving). No real time passes.
Copy it into another checkout and run it there to compare implementations.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FRAME = bytes(range(0, 160))  # 20 ms of caller audio
AGENT_CHUNK = bytes(range(96, 255)) + b"\x10" * 641  # 100 ms of agent audio
TURN_MS = 4000


def held(recording) -> int:
    """Audio bytes a recording object keeps in memory (either implementation)."""
    if hasattr(recording, "held_bytes"):
        return recording.held_bytes
    return len(recording.caller) + len(recording.agent)


def save(recording, path: Path) -> None:
    """Write the WAV the way the call log does in this checkout."""
    if hasattr(recording, "save"):
        recording.save(path)
    else:
        path.write_bytes(recording.to_wav())


def child(minutes: float, calls: int) -> dict:
    """Record `calls` calls of `minutes` each, side by side; report memory figures."""
    from calls.live.stereo_recording import StereoRecording

    baseline_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu_started = time.process_time()
    recordings = [StereoRecording() for _ in range(calls)]
    peak_held = 0
    for now_ms in range(0, int(minutes * 60_000), 20):
        agent_turn = (now_ms // TURN_MS) % 2 == 1
        for recording in recordings:
            recording.caller_frame(now_ms, FRAME)
            if agent_turn and now_ms % TURN_MS == 0:  # a response arrives faster than it plays
                for _ in range(TURN_MS // 100):
                    recording.agent_chunk_sent(now_ms, AGENT_CHUNK)
            if agent_turn and now_ms % TURN_MS == TURN_MS // 2 and now_ms % 3 == 0:
                recording.cleared(now_ms)  # the caller barged in
        if now_ms % 1000 == 0:
            peak_held = max(peak_held, max(held(r) for r in recordings))
    with tempfile.TemporaryDirectory() as folder:
        for number, recording in enumerate(recordings):
            save(recording, Path(folder) / f"{number}.wav")
        wav_bytes = sum(p.stat().st_size for p in Path(folder).iterdir())
    cpu_s = time.process_time() - cpu_started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "minutes": minutes,
        "calls": calls,
        "rss_per_call_mib": (peak_kib - baseline_kib) / 1024 / calls,
        "held_per_call_kib": peak_held / 1024,
        "wav_per_call_mib": wav_bytes / calls / 1024 / 1024,
        "cpu_us_per_call_s": cpu_s * 1e6 / (calls * minutes * 60),
    }


def main(argv=None) -> None:
    """Run one child per call length and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[1, 10])
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.minutes[0], args.calls)))
        return
    print(
        "minutes  calls  peak RSS/call (MiB)  audio held/call (KiB)  WAV/call (MiB)  CPU µs/call-s"
    )
    for minutes in args.minutes:
        command = [sys.executable, __file__, "--child", "--minutes", str(minutes)]
        command += ["--calls", str(args.calls)]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        row = json.loads(output.strip().splitlines()[-1])
        print(
            f"{row['minutes']:>7g}  {row['calls']:>5}  {row['rss_per_call_mib']:>19.2f}"
            f"  {row['held_per_call_kib']:>21.0f}  {row['wav_per_call_mib']:>14.2f}"
            f"  {row['cpu_us_per_call_s']:>13.0f}"
        )


if __name__ == "__main__":
    main()
