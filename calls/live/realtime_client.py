"""The one chokepoint to OpenAI: opening the Realtime WebSocket with our credentials."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from urllib.parse import urlencode

import websockets
from websockets.asyncio.client import ClientConnection

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 10.0
CLOSE_TIMEOUT_SECONDS = 2.0  # a call's teardown does not wait longer for OpenAI's close frame
MAX_MESSAGE_BYTES = 16 * 1024 * 1024


class RealtimeUnavailable(Exception):
    """OpenAI could not be reached or refused us (bad key, outage, timeout)."""


@dataclass(frozen=True)
class RealtimeEndpoint:
    """Where and as whom to connect."""

    url: str
    api_key: str
    model: str

    def address(self) -> str:
        """The URL with the model as a query parameter (GA: ?model=...)."""
        return f"{self.url}?{urlencode({'model': self.model})}"


async def connect(endpoint: RealtimeEndpoint) -> ClientConnection:
    """Open one Realtime session socket (GA: bearer auth, no OpenAI-Beta header)."""
    if not endpoint.api_key:
        raise RealtimeUnavailable("OPENAI_API_KEY is not set")
    try:
        return await asyncio.wait_for(
            websockets.connect(
                endpoint.address(),
                additional_headers={"Authorization": f"Bearer {endpoint.api_key}"},
                max_size=MAX_MESSAGE_BYTES,
                compression=None,
                open_timeout=CONNECT_TIMEOUT_SECONDS,
                close_timeout=CLOSE_TIMEOUT_SECONDS,
            ),
            CONNECT_TIMEOUT_SECONDS,
        )
    except (OSError, TimeoutError, websockets.InvalidHandshake, websockets.InvalidURI) as error:
        raise RealtimeUnavailable(f"{type(error).__name__}: {error}") from error
