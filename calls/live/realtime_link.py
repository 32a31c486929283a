"""The call's Realtime socket: connect with retries, read, send; closed sockets never raise."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from calls.live.realtime_client import RealtimeEndpoint, RealtimeUnavailable, connect

logger = logging.getLogger("calls.live.bridge")


class RealtimeLink:
    """One call's connection to OpenAI Realtime, replaced by a new socket after a drop."""

    def __init__(self, endpoint: RealtimeEndpoint):
        self.endpoint = endpoint
        self.socket = None
        self.connect_error = ""

    async def connect_with_retries(self, attempts: int) -> bool:
        """Open a Realtime socket, retrying with backoff; False when every attempt failed."""
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(min(0.25 * 2 ** (attempt - 1), 2.0))
            try:
                self.socket = await connect(self.endpoint)
                self.connect_error = ""
                return True
            except RealtimeUnavailable as error:
                self.connect_error = str(error)
                logger.warning(
                    "OpenAI connect attempt %d/%d failed: %s", attempt + 1, attempts, error
                )
        return False

    async def read(self, handle: Callable[[str | bytes], Awaitable[None]]) -> None:
        """Hand each OpenAI event to `handle` until the socket closes, whoever closed it."""
        try:
            async for message in self.socket:
                await handle(message)
        except ConnectionClosed:
            pass

    async def send(self, text: str) -> None:
        """Send a client event; a closed socket is handled by the reader's end of call."""
        if self.socket is None:
            return
        try:
            await self.socket.send(text)
        except ConnectionClosed:
            logger.info("OpenAI socket closed while sending")

    @property
    def open(self) -> bool:
        """Whether the socket can still carry events."""
        return self.socket is not None and self.socket.state is State.OPEN

    def close_code(self) -> int | None:
        """How the last Realtime socket closed."""
        return getattr(self.socket, "close_code", None)

    async def close(self) -> None:
        """Close the socket (waits for OpenAI's close frame, bounded by the client's timeout)."""
        if self.socket is not None:
            await self.socket.close()
