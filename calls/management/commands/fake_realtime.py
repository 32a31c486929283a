"""`manage.py fake_realtime`: run the fake OpenAI Realtime server until Ctrl-C."""

from __future__ import annotations

import asyncio
import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from calls.simulator.fake_realtime import FakeRealtimeServer, RealtimeScript

FALLBACK_API_KEY = "sk-test"


class Command(BaseCommand):
    """Serve ws://HOST:PORT/v1/realtime for local demos of the Twilio <-> Realtime bridge."""

    help = "Run the protocol-faithful fake OpenAI Realtime server (GA WebSocket) until Ctrl-C."

    def add_arguments(self, parser) -> None:
        """Declare the listening address, the accepted key, the script and the pacing."""
        parser.add_argument(
            "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
        )
        parser.add_argument(
            "--port",
            type=int,
            default=9100,
            help="port to listen on; 0 picks a free one (default 9100)",
        )
        parser.add_argument(
            "--api-key",
            help="bearer key clients must send (default: settings.OPENAI_API_KEY, else sk-test)",
        )
        parser.add_argument(
            "--script",
            help="JSON file with caller_lines and agent_turns (default: built-in Korean script)",
        )
        # Defaults follow the reference's suggested timing (§9): audio faster than real time,
        # first audio a few hundred ms after response.created.
        parser.add_argument(
            "--speed", type=float, default=5.0, help="audio pace, x real time; 0 = max (default 5)"
        )
        parser.add_argument(
            "--first-audio-delay-ms",
            type=int,
            default=400,
            help="response.created to first audio, ms (default 400)",
        )
        parser.add_argument(
            "--transcription-delay-ms",
            type=int,
            default=300,
            help="caller's end of speech to transcript, ms (default 300)",
        )
        parser.add_argument(
            "--chunk-ms", type=int, default=100, help="audio per output delta, ms (default 100)"
        )
        parser.add_argument(
            "--ms-per-char",
            type=int,
            default=70,
            help="speech length per character of agent text, ms (default 70)",
        )
        parser.add_argument(
            "--session-max-seconds",
            type=float,
            default=3600,
            help="session length limit, s (default 3600, OpenAI's 60 minutes)",
        )

    def handle(self, *args, **options) -> None:
        """Build the server and run it; Ctrl-C stops it cleanly."""
        server = build_server(options)
        self._show_connection_logs()
        try:
            asyncio.run(self._serve(server, options["api_key"] is not None))
        except KeyboardInterrupt:
            self.stdout.write("fake realtime: stopped")

    async def _serve(self, server: FakeRealtimeServer, explicit_key: bool) -> None:
        """Start listening, announce the URL, then serve until cancelled."""
        await server.start()
        origin = "--api-key" if explicit_key else "settings/default"
        self.stdout.write(
            f"fake realtime: listening on {server.url}?model=gpt-realtime "
            f"(bearer key from {origin}); Ctrl-C to stop",
        )
        self.stdout.flush()
        try:
            await asyncio.Future()
        finally:
            await server.stop()

    def _show_connection_logs(self) -> None:
        """Print the server's one-line-per-connection log to stdout whatever LOGGING says."""
        logger = logging.getLogger("calls.simulator")
        handler = logging.StreamHandler(self.stdout._out)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def build_server(options: dict) -> FakeRealtimeServer:
    """Return a server configured from the command's options."""
    script = RealtimeScript()
    if options.get("script"):
        try:
            script = RealtimeScript.from_json_file(options["script"])
        except (OSError, ValueError, KeyError, TypeError) as problem:
            raise CommandError(f"cannot load --script {options['script']}: {problem}") from None
    api_key = options.get("api_key") or getattr(settings, "OPENAI_API_KEY", "") or FALLBACK_API_KEY
    return FakeRealtimeServer(
        api_key=api_key,
        script=script,
        host=options["host"],
        port=options["port"],
        chunk_ms=options["chunk_ms"],
        first_audio_delay_ms=options["first_audio_delay_ms"],
        speed=options["speed"] or None,
        ms_per_char=options["ms_per_char"],
        session_max_seconds=options["session_max_seconds"],
        transcription_delay_ms=options["transcription_delay_ms"],
    )
