"""MonitorConsumer: the supervisors' live socket (refuses everyone until monitoring is built)."""

from channels.generic.websocket import AsyncWebsocketConsumer

NOT_READY_CLOSE_CODE = 4503


class MonitorConsumer(AsyncWebsocketConsumer):
    """Supervisor monitor socket. Not built yet: every connection is refused."""

    async def connect(self):
        """Refuse until live monitoring is built."""
        await self.close(code=NOT_READY_CLOSE_CODE)
