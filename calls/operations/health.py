"""GET /healthz: whether the database and the channel layer answer, plus model warnings.

Anyone (a load balancer) gets the status and the warnings; the reasons a part is down, which
name hosts and ports, go to staff and to the log only.
"""

import asyncio
import logging
import uuid
import weakref

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.http import JsonResponse

from calls.monitoring.access import is_staff
from calls.operations import shutdown
from prompts import retirement

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 2.0


def check_database() -> None:
    """Run a trivial query; raises when the database is unreachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


class LayerProbe:
    """A round trip through one channel of the layer, reused by every check of this process.

    A channel per request would stay subscribed for ever with the pub/sub layer (one Redis
    channel and its buffers per probe); one channel, one check at a time, is enough to know
    the layer answers. After a failed check the channel is dropped (a cancelled receive leaves
    it) and the next check opens a new one.
    """

    def __init__(self):
        self.lock = asyncio.Lock()
        self.channel: str | None = None

    async def check(self, layer) -> None:
        """Send a message to our channel and read it back; raises when the layer fails."""
        async with self.lock:
            try:
                if self.channel is None:
                    self.channel = await layer.new_channel(prefix="healthz.")
                token = uuid.uuid4().hex
                await layer.send(self.channel, {"type": "healthz.ping", "token": token})
                while (await layer.receive(self.channel)).get("token") != token:
                    pass  # a late answer to a check that timed out
            except BaseException:
                if self.channel is not None:
                    await forget_channel(layer, self.channel)
                self.channel = None
                raise


async def forget_channel(layer, channel: str) -> None:
    """Drop a channel's subscription, which channels_redis' pub/sub layer keeps until a receive
    on it is cancelled (a failed send or subscribe leaves it behind)."""
    if channel not in getattr(layer, "channels", {}):
        return
    layer.channels.pop(channel, None)
    try:
        await layer._get_shard(channel).unsubscribe(channel)
    except Exception as error:  # Redis is down: the subscription died with the connection
        logger.debug("health check channel %s not unsubscribed: %s", channel, error)


probes: "weakref.WeakKeyDictionary[object, LayerProbe]" = weakref.WeakKeyDictionary()


async def check_channel_layer() -> None:
    """Round-trip a message through the channel layer."""
    layer = get_channel_layer()
    probe_of_layer = probes.get(layer)
    if probe_of_layer is None:
        probe_of_layer = probes[layer] = LayerProbe()
    await probe_of_layer.check(layer)


async def probe(name: str, check) -> str | None:
    """Run one check with a timeout; return None when it passes, else a short reason (logged)."""
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        reason = "timeout"
    except Exception as error:  # any failure means "down"; the reason is for the operator
        reason = f"{type(error).__name__}: {error}"[:200]
    else:
        return None
    logger.warning("health check: %s is down: %s", name, reason)
    return reason


def model_warnings(with_profiles: bool) -> list[str]:
    """Models in use that are retired or shut down within 30 days (a warning, never a failure)."""
    return [notice.describe() for notice in retirement.notices(with_profiles=with_profiles)]


async def healthz(request):
    """200 when every part answers, 503 naming the part that does not (with reasons for staff);
    warnings never fail."""
    database_error = await probe("database", sync_to_async(check_database, thread_sensitive=True))
    layer_error = await probe("channel layer", check_channel_layer)
    details = is_staff(await request.auser())
    parts = {}
    for name, error in (("database", database_error), ("channel_layer", layer_error)):
        parts[name] = {"ok": error is None, **({"error": error} if details else {})}
    draining = shutdown.state.draining
    healthy = database_error is None and layer_error is None and not draining
    warnings = await sync_to_async(model_warnings, thread_sensitive=True)(database_error is None)
    body = {"ok": healthy, "draining": draining, **parts, "warnings": warnings}
    return JsonResponse(body, status=200 if healthy else 503)
