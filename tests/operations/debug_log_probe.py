"""Run in a child process by test_debug_log_secrets: one Realtime connect with debug logging on."""

import asyncio

import websockets
from django.conf import settings

from calls.live.realtime_client import RealtimeEndpoint, connect


async def accept(socket):
    """A server that accepts and waits for the client to leave."""
    await socket.wait_closed()


async def main() -> None:
    """Connect the real Realtime client (Authorization header and all) to a local server."""
    async with websockets.serve(accept, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        endpoint = RealtimeEndpoint(
            f"ws://127.0.0.1:{port}/v1/realtime", settings.OPENAI_API_KEY, "m"
        )
        client = await connect(endpoint)
        await client.close()


asyncio.run(main())
