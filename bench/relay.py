"""The floor for bridge_latency: a bare asyncio `websockets` relay, Twilio stream <-> Realtime.

Run as `python -m bench.relay --port 0 --realtime-url ws://.../v1/realtime`; it prints
`{"port": N}` when it listens. Per Twilio connection it opens a Realtime socket, sends a GA
session.update with the default profile's VAD settings, greets once the session runs it, then
relays: each `media` payload becomes an `input_audio_buffer.append`, each
`response.output_audio.delta` becomes a Twilio `media` plus a `mark`, and `speech_started`
while marks are outstanding becomes a `clear`. No Django, no database, no checks: the least
work a bridge can do, so its latency, CPU and memory are what the machine itself costs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import deque

import websockets
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

API_KEY = "sk-bench"
SESSION = {
    "type": "realtime",
    "instructions": "bench relay",
    "output_modalities": ["audio"],
    "audio": {
        "input": {
            "format": {"type": "audio/pcmu"},
            "transcription": {"model": "gpt-live-transcribe", "languages": ["ko"]},
            "turn_detection": {
                "type": "server_vad",
                "threshold": 0.5,
                "prefix_padding_ms": 300,
                "silence_duration_ms": 700,
                "create_response": True,
                "interrupt_response": True,
            },
        },
        "output": {"format": {"type": "audio/pcmu"}, "voice": "alloy"},
    },
}


class Relay:
    """One Twilio stream and its Realtime socket."""

    def __init__(self, twilio, realtime_url: str):
        self.twilio = twilio
        self.realtime_url = realtime_url
        self.ai = None
        self.stream_sid = ""
        self.ready = False
        self.pending: deque[str] = deque(maxlen=500)
        self.marks_out = 0
        self.mark_number = 0

    async def run(self) -> None:
        """Connect upstream, then pump both directions until either side closes."""
        self.ai = await websockets.connect(
            f"{self.realtime_url}?model=gpt-realtime-2.1",
            additional_headers={"Authorization": f"Bearer {API_KEY}"},
            compression=None,
            max_size=16 * 1024 * 1024,
        )
        await self.ai.send(json.dumps({"type": "session.update", "session": SESSION}))
        upstream = asyncio.create_task(self.from_ai())
        try:
            await self.from_twilio()
        finally:
            upstream.cancel()
            await self.ai.close()
            await asyncio.gather(upstream, return_exceptions=True)

    async def from_twilio(self) -> None:
        """Twilio frames: media -> append, mark echo -> bookkeeping, stop -> end."""
        try:
            async for text in self.twilio:
                message = json.loads(text)
                event = message.get("event")
                if event == "media":
                    payload = message["media"]["payload"]
                    if self.ready:
                        await self.ai.send(
                            f'{{"type":"input_audio_buffer.append","audio":"{payload}"}}'
                        )
                    else:
                        self.pending.append(payload)
                elif event == "mark":
                    self.marks_out = max(0, self.marks_out - 1)
                elif event == "start":
                    self.stream_sid = message["streamSid"]
                elif event == "stop":
                    return
        except ConnectionClosed:
            return

    async def from_ai(self) -> None:
        """Realtime events: delta -> media + mark, speech_started -> clear."""
        async for text in self.ai:
            event = json.loads(text)
            kind = event.get("type")
            if kind == "response.output_audio.delta":
                self.mark_number += 1
                self.marks_out += 1
                sid = self.stream_sid
                await self.twilio.send(
                    json.dumps(
                        {"event": "media", "streamSid": sid, "media": {"payload": event["delta"]}}
                    )
                )
                mark = {"name": f"m{self.mark_number}"}
                await self.twilio.send(
                    json.dumps({"event": "mark", "streamSid": sid, "mark": mark})
                )
            elif kind == "input_audio_buffer.speech_started" and self.marks_out:
                self.marks_out = 0
                await self.twilio.send(json.dumps({"event": "clear", "streamSid": self.stream_sid}))
            elif kind == "session.updated" and not self.ready:
                self.ready = True
                while self.pending:
                    append = {"type": "input_audio_buffer.append", "audio": self.pending.popleft()}
                    await self.ai.send(json.dumps(append))
                await self.ai.send(json.dumps({"type": "response.create"}))


async def main_async(port: int, realtime_url: str) -> None:
    """Serve until killed."""

    async def handle(twilio) -> None:
        try:
            await Relay(twilio, realtime_url).run()
        except (OSError, ConnectionClosed):
            pass

    async with serve(handle, "127.0.0.1", port, compression=None) as server:
        print(json.dumps({"port": server.sockets[0].getsockname()[1]}), flush=True)
        await asyncio.Future()


def serve_from_flags(description: str, serve_relay) -> None:
    """Parse --port and --realtime-url, then run `serve_relay(port, url)` until killed."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--realtime-url", required=True)
    args = parser.parse_args()
    try:
        asyncio.run(serve_relay(args.port, args.realtime_url))
    except KeyboardInterrupt:
        sys.exit(0)


def main() -> None:
    """Parse flags and serve."""
    serve_from_flags(__doc__.splitlines()[0], main_async)


if __name__ == "__main__":
    main()
