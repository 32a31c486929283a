"""WebSocket consumers: Twilio's media stream and the supervisors' monitor socket."""

from channels.generic.websocket import AsyncWebsocketConsumer

NOT_READY_CLOSE_CODE = 4503


class MediaStreamConsumer(AsyncWebsocketConsumer):
    """Twilio media stream. Not built yet: every connection is refused (issue: the call bridge)."""

    async def connect(self):
        """Refuse: the bridge does not exist yet, so no call may be half-answered."""
        await self.close(code=NOT_READY_CLOSE_CODE)


class MonitorConsumer(AsyncWebsocketConsumer):
    """Supervisor monitor socket. Not built yet: every connection is refused (issue: monitoring)."""

    async def connect(self):
        """Refuse until live monitoring is built."""
        await self.close(code=NOT_READY_CLOSE_CODE)
