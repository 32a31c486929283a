"""Serve with daphne and drain calls gracefully on SIGTERM (what `make run` and systemd use)."""

import asyncio
import logging
import signal
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

logger = logging.getLogger(__name__)


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

        from calls.operations import shutdown

        endpoints = build_endpoint_description_strings(host=options["host"], port=options["port"])
        server = Server(
            application=get_default_application(),
            endpoints=endpoints,
            signal_handlers=False,
            action_logger=None if options["no_access_log"] else AccessLogGenerator(sys.stdout),
        )

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
        self.stdout.write(f"ARS AI Voice listening on {', '.join(endpoints)}")
        server.run()
