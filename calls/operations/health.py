"""GET /healthz: whether the database and the channel layer answer, plus model warnings."""

import asyncio
import uuid

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.http import JsonResponse

from calls.operations import shutdown
from prompts import retirement

CHECK_TIMEOUT_SECONDS = 2.0


def check_database() -> None:
    """Run a trivial query; raises when the database is unreachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


async def check_channel_layer() -> None:
    """Send a message to a throwaway channel and read it back."""
    layer = get_channel_layer()
    channel = await layer.new_channel(prefix="healthz")
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "healthz.ping", "token": token})
    message = await layer.receive(channel)
    if message.get("token") != token:
        raise RuntimeError("channel layer returned a different message")


async def probe(check) -> str | None:
    """Run one check with a timeout; return None when it passes, else a short reason."""
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        return "timeout"
    except Exception as error:  # any failure means "down"; the reason is for the operator
        return f"{type(error).__name__}: {error}"[:200]
    return None


def model_warnings(with_profiles: bool) -> list[str]:
    """Models in use that are retired or shut down within 30 days (a warning, never a failure)."""
    return [notice.describe() for notice in retirement.notices(with_profiles=with_profiles)]


async def healthz(request):
    """200 when every part answers, 503 naming the part that does not; warnings never fail."""
    database_error = await probe(sync_to_async(check_database, thread_sensitive=True))
    layer_error = await probe(check_channel_layer)
    parts = {
        "database": {"ok": database_error is None, "error": database_error},
        "channel_layer": {"ok": layer_error is None, "error": layer_error},
    }
    draining = shutdown.state.draining
    healthy = database_error is None and layer_error is None and not draining
    warnings = await sync_to_async(model_warnings, thread_sensitive=True)(database_error is None)
    body = {"ok": healthy, "draining": draining, **parts, "warnings": warnings}
    return JsonResponse(body, status=200 if healthy else 503)
