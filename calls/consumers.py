"""MediaStreamConsumer: Twilio's media stream, a thin adapter in front of the call bridge."""

from channels.generic.websocket import AsyncWebsocketConsumer

NOT_READY_CLOSE_CODE = 4503


class MediaStreamConsumer(AsyncWebsocketConsumer):
    """Twilio media stream. Not built yet: every connection is refused (issue: the call bridge)."""

    async def connect(self):
        """Refuse: the bridge does not exist yet, so no call may be half-answered."""
        await self.close(code=NOT_READY_CLOSE_CODE)
