"""ASGI entry point: HTTP through Django, the Twilio media stream and the supervisors' socket."""

import gc
import logging
import os

from django.core.asgi import get_asgi_application

from arsproject import lean_websocket, memory_upkeep, twisted_reads, twisted_writes

memory_upkeep.limit_arenas()  # before daphne's threads allocate: one arena each would fragment
memory_upkeep.fix_mmap_threshold()  # large reads in mappings of their own, not the heap

twisted_writes.install()  # daphne sends each frame at once instead of on the next loop turn
twisted_reads.install()  # socket events skip Twisted's per-event log context
lean_websocket.install()  # cheaper unmasking and no per-frame debug/observer work in autobahn

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arsproject.settings")
django_http = get_asgi_application()

# Imported after Django is set up: consumers import models.
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402
from django.urls import path  # noqa: E402

from calls.live.media_stream import MediaStreamConsumer  # noqa: E402

twisted_writes.send_buffer_limit = settings.SEND_BUFFER_LIMIT_BYTES
from calls.monitoring.monitor_consumer import MonitorConsumer  # noqa: E402

# In production nginx serves /static/ (deploy/nginx); locally daphne serves it itself.
http_application = django_http if settings.IS_PRODUCTION else ASGIStaticFilesHandler(django_http)

# Twilio sends no Origin header, so the media stream cannot sit behind the origin validator;
# it is authenticated by the upgrade signature and the one-time call token instead.
twilio_routes = URLRouter([path("twilio/stream", MediaStreamConsumer.as_asgi())])
monitor_routes = AllowedHostsOriginValidator(
    AuthMiddlewareStack(URLRouter([path("ws/monitor/", MonitorConsumer.as_asgi())]))
)


logger = logging.getLogger("arsproject.asgi")
SOCKET_ROUTES = {"/twilio/stream": twilio_routes, "/ws/monitor/": monitor_routes}


async def refuse_unknown_socket(scope, receive, send):
    """Refuse the handshake of a socket to a path we do not serve (a scan, not an error)."""
    logger.info("websocket to unknown path %r refused", scope["path"][:200])
    if (await receive())["type"] == "websocket.connect":
        await send({"type": "websocket.close", "code": 1000})


async def websocket_router(scope, receive, send):
    """Send Twilio's stream and the monitor socket to their own stacks; refuse other paths."""
    route = SOCKET_ROUTES.get(scope["path"], refuse_unknown_socket)
    return await route(scope, receive, send)


application = ProtocolTypeRouter({"http": http_application, "websocket": websocket_router})

# Everything loaded so far (Django, the apps, ~100k objects) lives as long as the process. Freezing
# it keeps it out of the collector's full passes: such a pass over it took ~100 ms, a pause in
# every call's audio, and being rare it let finished calls' garbage pile up in between.
gc.collect()
gc.freeze()
