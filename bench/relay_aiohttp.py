"""The stricter floor for bridge_latency: the same bare relay on aiohttp's WebSocket server.

Run as `python -m bench.relay_aiohttp --port 0 --realtime-url ws://.../v1/realtime`; it prints
`{"port": N}` when it listens. It does exactly what bench/relay.py does (same session.update,
greeting, append per `media`, `media` + `mark` per delta, `clear` on speech_started while marks
are out) but both sockets are aiohttp's (server and client, with its C frame reader), which
spends less CPU per frame than `websockets`. aiohttp is a bench baseline (requirements-dev.txt),
not a runtime dependency.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque

from aiohttp import ClientSession, WSMsgType, web

from bench.relay import API_KEY, SESSION, serve_from_flags

MAX_MESSAGE_BYTES = 16 * 1024 * 1024


class Relay:
    """One Twilio stream and its Realtime socket."""

    def __init__(self, twilio: web.WebSocketResponse, realtime_url: str, http: ClientSession):
        self.twilio = twilio
        self.realtime_url = realtime_url
        self.http = http
        self.ai = None
        self.stream_sid = ""
        self.ready = False
        self.pending: deque[str] = deque(maxlen=500)
        self.marks_out = 0
        self.mark_number = 0

    async def run(self) -> None:
        """Connect upstream, then pump both directions until either side closes."""
        self.ai = await self.http.ws_connect(
            f"{self.realtime_url}?model=gpt-realtime",
            headers={"Authorization": f"Bearer {API_KEY}"},
            compress=0,
            max_msg_size=MAX_MESSAGE_BYTES,
            autoping=True,
        )
        await self.ai.send_str(json.dumps({"type": "session.update", "session": SESSION}))
        upstream = asyncio.create_task(self.from_ai())
        try:
            await self.from_twilio()
        finally:
            upstream.cancel()
            await self.ai.close()
            await asyncio.gather(upstream, return_exceptions=True)

    async def from_twilio(self) -> None:
        """Twilio frames: media -> append, mark echo -> bookkeeping, stop -> end."""
        async for frame in self.twilio:
            if frame.type != WSMsgType.TEXT:
                return
            message = json.loads(frame.data)
            event = message.get("event")
            if event == "media":
                payload = message["media"]["payload"]
                if self.ready:
                    await self.ai.send_str(
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

    async def from_ai(self) -> None:
        """Realtime events: delta -> media + mark, speech_started -> clear."""
        async for frame in self.ai:
            if frame.type != WSMsgType.TEXT:
                return
            event = json.loads(frame.data)
            kind = event.get("type")
            if kind == "response.output_audio.delta":
                self.mark_number += 1
                self.marks_out += 1
                sid = self.stream_sid
                await self.twilio.send_str(
                    json.dumps(
                        {"event": "media", "streamSid": sid, "media": {"payload": event["delta"]}}
                    )
                )
                mark = {"name": f"m{self.mark_number}"}
                await self.twilio.send_str(
                    json.dumps({"event": "mark", "streamSid": sid, "mark": mark})
                )
            elif kind == "input_audio_buffer.speech_started" and self.marks_out:
                self.marks_out = 0
                await self.twilio.send_str(
                    json.dumps({"event": "clear", "streamSid": self.stream_sid})
                )
            elif kind == "session.updated" and not self.ready:
                self.ready = True
                while self.pending:
                    append = {"type": "input_audio_buffer.append", "audio": self.pending.popleft()}
                    await self.ai.send_str(json.dumps(append))
                await self.ai.send_str(json.dumps({"type": "response.create"}))


async def main_async(port: int, realtime_url: str) -> None:
    """Serve until killed."""
    http = ClientSession()

    async def handle(request: web.Request) -> web.WebSocketResponse:
        twilio = web.WebSocketResponse(compress=False, max_msg_size=MAX_MESSAGE_BYTES)
        await twilio.prepare(request)
        try:
            await Relay(twilio, realtime_url, http).run()
        except (OSError, ConnectionError):
            pass
        await twilio.close()
        return twilio

    app = web.Application()
    app.router.add_get("/", handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    bound = runner.addresses[0][1]
    print(json.dumps({"port": bound}), flush=True)
    try:
        await asyncio.Future()
    finally:
        await runner.cleanup()
        await http.close()


def main() -> None:
    """Parse flags and serve."""
    serve_from_flags(__doc__.splitlines()[0], main_async)


if __name__ == "__main__":
    main()
