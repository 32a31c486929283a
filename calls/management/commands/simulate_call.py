"""`manage.py simulate_call`: place one simulated Twilio call against a running server."""

from __future__ import annotations

import asyncio

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from calls.simulator.speech_script import DEFAULT_SCRIPT, load_speech_script, run_speech_script
from calls.simulator.twilio_caller import (
    CallFailed,
    CallResult,
    StreamEnded,
    TwilioCall,
    TwilioCaller,
)

# Beyond the call itself, time allowed for the server to finish (action TwiML, callbacks).
GRACE_S = 30.0


class Command(BaseCommand):
    """Play Twilio's part of one inbound call and print what happened."""

    help = "Place one protocol-faithful simulated Twilio call against a running server."

    def add_arguments(self, parser) -> None:
        """Declare where to call, who calls whom, how long, on which clock, saying what."""
        port = getattr(settings, "PORT", 8080)
        parser.add_argument(
            "--base-url",
            default=f"http://127.0.0.1:{port}",
            help=f"where requests really go (default http://127.0.0.1:{port})",
        )
        parser.add_argument(
            "--public-base-url",
            help="URL Twilio believes it calls, used for signatures "
            "(default: settings.APP_PUBLIC_BASE_URL, else --base-url)",
        )
        parser.add_argument(
            "--from",
            dest="from_number",
            default="+821012345678",
            help="caller number (default +821012345678)",
        )
        parser.add_argument(
            "--to",
            dest="to_number",
            default="+8215880000",
            help="dialled number (default +8215880000)",
        )
        parser.add_argument(
            "--seconds",
            type=float,
            default=30.0,
            help="call length if nobody hangs up (default 30)",
        )
        parser.add_argument(
            "--realtime",
            action="store_true",
            help="send frames every 20 ms of wall-clock time (default: virtual clock, full speed)",
        )
        parser.add_argument(
            "--speech-script",
            default=DEFAULT_SCRIPT,
            help="steps speech:MS[@DBFS], silence:MS, dtmf:KEYS, wav:PATH (inline or a file; "
            f"default {DEFAULT_SCRIPT!r})",
        )
        parser.add_argument("--auth-token", help="signing token (default: TWILIO_AUTH_TOKEN)")
        parser.add_argument("--account-sid", help="AccountSid sent (default: TWILIO_ACCOUNT_SID)")
        parser.add_argument(
            "--voice-path",
            default="/twilio/voice",
            help="voice webhook path (default /twilio/voice)",
        )
        parser.add_argument(
            "--status-callback-path",
            default="/twilio/status",
            help="status callback path, empty for none (default /twilio/status)",
        )

    def handle(self, *args, **options) -> None:
        """Run the call to completion and print its log and outcome."""
        try:
            steps = load_speech_script(options["speech_script"])
        except (OSError, ValueError) as problem:
            raise CommandError(f"--speech-script: {problem}") from None
        caller = self._caller(options)
        voice_url = caller.router.public(options["voice_path"])
        self.stdout.write(f"calling {caller.router.route(voice_url)} (signed for {voice_url})")
        try:
            call, result = asyncio.run(place_call(caller, steps, options["seconds"]))
        except CallFailed as problem:
            raise CommandError(f"call failed: {problem}") from None
        self._summarise(call, result)

    def _caller(self, options: dict) -> TwilioCaller:
        public = options["public_base_url"] or getattr(settings, "APP_PUBLIC_BASE_URL", None)
        token = options["auth_token"] or getattr(settings, "TWILIO_AUTH_TOKEN", "")
        if not token:
            raise CommandError("no auth token: set TWILIO_AUTH_TOKEN or pass --auth-token")
        return TwilioCaller(
            base_url=options["base_url"],
            public_base_url=public or None,
            auth_token=token,
            account_sid=options["account_sid"] or getattr(settings, "TWILIO_ACCOUNT_SID", None),
            from_number=options["from_number"],
            to_number=options["to_number"],
            clock="real" if options["realtime"] else "virtual",
            voice_path=options["voice_path"],
            status_callback_path=options["status_callback_path"] or None,
            on_log=self._print_event,
        )

    def _print_event(self, at_ms: float, text: str) -> None:
        self.stdout.write(f"[{at_ms / 1000:7.2f}s] {text}")
        self.stdout.flush()

    def _summarise(self, call: TwilioCall, result: CallResult) -> None:
        clears = ", ".join(f"{at / 1000:.2f}s" for at in call.clears) or "none"
        self.stdout.write("")
        self.stdout.write(f"call {call.call_sid} stream {call.stream_sid or '-'}")
        self.stdout.write(f"  TwiML before stream: {call.verbs_before_stream}")
        self.stdout.write(f"  TwiML after stream:  {result.verbs}")
        self.stdout.write(
            f"  audio heard: {call.heard_ms / 1000:.2f} s in {len(call.heard)} chunks"
        )
        self.stdout.write(f"  marks echoed: {len(call.marks_echoed)}; clears at: {clears}")
        for code, message in result.warnings:
            self.stdout.write(self.style.WARNING(f"  warning {code}: {message}"))
        outcome = f"{result.outcome}" + (
            f" to {result.transferred_to}" if result.transferred_to else ""
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"  outcome: {outcome}, ended by {result.ended_by}, {result.duration_s} s, "
                f"status callback -> {result.status_callback_status}"
            )
        )


async def place_call(caller: TwilioCaller, steps, seconds: float) -> tuple[TwilioCall, CallResult]:
    """Dial, run the script, keep listening up to `seconds` of call clock, then end the call."""
    call = await caller.dial()
    if call.result is not None:  # the TwiML ended the call before any stream opened
        return call, call.result
    await run_speech_script(call, steps)
    limit_ms = seconds * 1000
    real_budget = seconds + GRACE_S if caller.clock == "real" else GRACE_S
    try:
        await call.wait_for(lambda c: c.now_ms >= limit_ms, timeout=real_budget)
    except StreamEnded:
        pass  # the server closed the stream; hang_up() finishes the call as Twilio would
    return call, await call.hang_up()
