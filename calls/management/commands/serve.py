"""Serve with daphne and drain calls gracefully on SIGTERM (what `make run` and systemd use).

Timeouts (daphne's defaults are for a trusted network; nginx must front this in production):
request headers within HTTP_HEADER_TIMEOUT_SECONDS, idle HTTP connections closed after
HTTP_IDLE_TIMEOUT_SECONDS (arsproject/http_deadlines); a WebSocket handshake within 5 s and the
application's accept within WEBSOCKET_CONNECT_SECONDS; pings every 20 s, a peer silent for 30 s
is dropped. There is no overall HTTP response timeout: a recording download may take long.
"""

import asyncio
import logging
import signal
import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError

logger = logging.getLogger(__name__)

WEBSOCKET_HANDSHAKE_SECONDS = 5
WEBSOCKET_CONNECT_SECONDS = 20  # upgrade to the consumer's accept: ours, not the client's, to pace
PING_SECONDS, PING_TIMEOUT_SECONDS = 20, 30


class Command(BaseCommand):
    """`manage.py serve --host 0.0.0.0 --port 8080`."""

    help = "Run daphne; on SIGTERM stop taking calls and let active calls finish first."

    def add_arguments(self, parser):
        """Where to listen."""
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument("--no-access-log", action="store_true")

    def handle(self, *args, **options):
        """Start daphne with our own signal handling."""
        from channels.routing import get_default_application
        from daphne.access import AccessLogGenerator
        from daphne.endpoints import build_endpoint_description_strings
        from daphne.server import Server
        from twisted.internet import reactor

        from arsproject import http_deadlines
        from calls.operations import lost_calls, shutdown

        http_deadlines.install(
            settings.HTTP_HEADER_TIMEOUT_SECONDS, settings.HTTP_IDLE_TIMEOUT_SECONDS
        )
        try:
            lost = lost_calls.sweep_now()  # calls a killed predecessor left live
        except DatabaseError as error:  # the periodic sweep retries
            logger.error("could not check for calls of lost processes: %s", error)
        else:
            if lost:
                self.stdout.write(f"{len(lost)} call(s) of a lost process ended as server_lost")
        endpoints = build_endpoint_description_strings(host=options["host"], port=options["port"])
        server = Server(
            application=get_default_application(),
            endpoints=endpoints,
            signal_handlers=False,
            action_logger=None if options["no_access_log"] else AccessLogGenerator(sys.stdout),
            websocket_handshake_timeout=WEBSOCKET_HANDSHAKE_SECONDS,
            websocket_connect_timeout=WEBSOCKET_CONNECT_SECONDS,
            ping_interval=PING_SECONDS,
            ping_timeout=PING_TIMEOUT_SECONDS,
        )
        watch = []  # the lost-call watch task, kept so it is not collected

        def start_watch():
            period = settings.CALL_OWNER_HEARTBEAT_SECONDS
            watch.append(asyncio.ensure_future(lost_calls.keep_watch(period)))

        async def drain_then_stop():
            await shutdown.drain(settings.SHUTDOWN_GRACE_SECONDS)
            reactor.stop()

        def on_signal(signum, frame):
            if shutdown.state.draining:
                logger.warning("second signal: stopping now")
                reactor.callFromThread(reactor.stop)
                return
            reactor.callFromThread(lambda: asyncio.ensure_future(drain_then_stop()))

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        reactor.callWhenRunning(start_watch)
        self.stdout.write(f"ARS AI Voice listening on {', '.join(endpoints)}")
        server.run()
