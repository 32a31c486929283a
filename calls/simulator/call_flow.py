"""Twilio's call flow: signed webhook requests, TwiML verbs in order, and the status callbacks."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin

from .transports import HttpReply, Transport
from .twilio_requests import (
    USER_AGENT,
    Router,
    call_params,
    completed_params,
    new_sid,
    sign,
    stream_event_params,
    with_query,
)
from .twiml import (
    Connect,
    Dial,
    Hangup,
    Pause,
    Say,
    Stream,
    TwimlError,
    UnknownVerb,
    Verb,
    parse_twiml,
)

MAX_REDIRECTS = 10  # Twilio's own limit on chained TwiML fetches (error 11215)


class CallFailed(Exception):
    """The call could not be placed: the voice webhook failed as Twilio would report it."""


@dataclass
class StreamStep:
    """Execution reached <Connect><Stream>: what to connect, and what runs after it."""

    connect: Connect
    rest: list[Verb]
    document_url: str

    @property
    def stream(self) -> Stream:
        """The <Stream> noun to open."""
        assert self.connect.stream is not None
        return self.connect.stream


class CallFlow:
    """Runs one call's TwiML: fetches documents, executes verbs, posts callbacks."""

    def __init__(
        self,
        *,
        router: Router,
        transport: Transport,
        clock,
        auth_token: str,
        account_sid: str,
        call_sid: str,
        from_number: str,
        to_number: str,
        say_ms_per_char: float,
        http_timeout_s: float,
        log: Callable[[str], None],
        warn: Callable[[int, str], None],
    ):
        self.router = router
        self.transport = transport
        self.clock = clock
        self.auth_token = auth_token
        self.account_sid = account_sid
        self.call_sid = call_sid
        self.from_number = from_number
        self.to_number = to_number
        self.say_ms_per_char = say_ms_per_char
        self.http_timeout_s = http_timeout_s
        self._log = log
        self._warn = warn
        self.followed: list[tuple] = []  # every verb executed, in order
        self.outcome = "completed"
        self.transferred_to: str | None = None
        self.whisper: list[tuple] = []  # verbs the called party heard from <Number url>

    def params(self, call_status: str) -> dict[str, str]:
        """Return the standard call parameters with the given CallStatus."""
        return call_params(
            self.call_sid, self.account_sid, self.from_number, self.to_number, call_status
        )

    async def request(self, method: str, url: str, params: dict[str, str]) -> HttpReply:
        """Send one signed webhook request to a public URL (routed to the local base URL)."""
        headers = {"User-Agent": USER_AGENT}
        try:
            async with asyncio.timeout(self.http_timeout_s):
                if method == "GET":
                    full = with_query(url, params)
                    headers["X-Twilio-Signature"] = sign(self.auth_token, full, {})
                    return await self.transport.get(self.router.route(full), headers)
                headers["X-Twilio-Signature"] = sign(self.auth_token, url, params)
                return await self.transport.post_form(self.router.route(url), params, headers)
        except TimeoutError as exc:
            raise CallFailed(
                f"{method} {url}: no response within {self.http_timeout_s:g} s"
            ) from exc

    async def fetch_twiml(self, url: str, method: str, call_status: str) -> list[Verb]:
        """Request TwiML from url and parse it; CallFailed on non-2xx, timeout or bad TwiML."""
        reply = await self.request(method, url, self.params(call_status))
        self._log(f"{method} {url} -> {reply.status}")
        if not 200 <= reply.status < 300:
            where = f" (redirect to {reply.location} not followed)" if reply.location else ""
            raise CallFailed(
                f"{method} {url} answered HTTP {reply.status}{where}: {reply.text[:200]}"
            )
        try:
            return parse_twiml(reply.text, url)
        except TwimlError as exc:
            raise CallFailed(f"{url} returned invalid TwiML: {exc}") from exc

    async def run(
        self, verbs: list[Verb], document_url: str, allow_stream: bool
    ) -> StreamStep | None:
        """Execute verbs in order; stop at <Connect><Stream> (if allowed) or when the call ends."""
        verbs = list(verbs)
        redirects = 0
        while verbs:
            verb = verbs.pop(0)
            self.followed.append(verb.as_tuple())
            if isinstance(verb, Connect) and verb.stream is not None and allow_stream:
                return StreamStep(verb, verbs, document_url)
            if isinstance(verb, UnknownVerb) and verb.name == "Redirect" and verb.text:
                redirects += 1
                if redirects > MAX_REDIRECTS:
                    self._warn(11215, "too many <Redirect>s")
                    return None
                document_url = urljoin(document_url, verb.text)
                method = verb.attrs.get("method", "POST").upper()
                verbs = await self.fetch_twiml(document_url, method, "in-progress")
                continue
            if await self._execute(verb):
                return None
        self._log("no more verbs: call ends")
        return None

    async def _execute(self, verb: Verb) -> bool:
        """Execute one non-stream verb; return True when it ends the call."""
        if isinstance(verb, Say):
            self._log(f"<Say {_attrs(verb.attrs)}> {verb.text}")
            await self.clock.pass_ms(len(verb.text) * self.say_ms_per_char)
        elif isinstance(verb, Pause):
            self._log(f"<Pause> {verb.length_s:g} s")
            await self.clock.pass_ms(verb.length_s * 1000)
        elif isinstance(verb, Dial):
            # The dialed leg is not simulated: it "ends" at once and, as in Twilio when <Dial>
            # has no action, execution continues with the next verb.
            self._log(f"<Dial> {verb.target}: call transferred")
            self.outcome, self.transferred_to = "transferred", verb.target
            if verb.number_url:
                await self.whisper_to_called_party(verb)
        elif isinstance(verb, Hangup):
            self._log("<Hangup>")
            return True
        elif isinstance(verb, Connect):
            self._log("<Connect> without a stream to open here: skipped")
        else:
            self._log(f"<{verb.name}> not simulated: skipped")
        return False

    async def whisper_to_called_party(self, dial: Dial) -> None:
        """Run <Number url> as Twilio does once the called party answers: its own leg's request.

        The request carries the child leg's new CallSid, the caller's as ParentCallSid, and is
        signed like every webhook; the TwiML's <Say>s are what the human agent hears.
        """
        leg = call_params(
            new_sid("CA"), self.account_sid, self.from_number, dial.target, "in-progress"
        )
        params = {
            **leg,
            "Direction": "outbound-dial",
            "ParentCallSid": self.call_sid,
        }
        try:
            reply = await self.request(dial.number_method, dial.number_url, params)
            self._log(f"<Number url> {dial.number_url} -> {reply.status}")
            if not 200 <= reply.status < 300:
                raise CallFailed(f"<Number url> answered HTTP {reply.status}")
            verbs = parse_twiml(reply.text, dial.number_url)
        except (CallFailed, TwimlError) as exc:
            # Twilio connects the parties anyway and logs the failed whisper.
            self._warn(11200, str(exc))
            return
        for verb in verbs:
            self.whisper.append(verb.as_tuple())
            if isinstance(verb, Say):
                self._log(f"to {dial.target}: <Say> {verb.text}")
                await self.clock.pass_ms(len(verb.text) * self.say_ms_per_char)

    async def after_connect(self, step: StreamStep) -> None:
        """<Connect> finished: request its action URL and run that TwiML, else the next verbs."""
        connect = step.connect
        if not connect.action:
            await self.run(step.rest, step.document_url, allow_stream=False)
            return
        try:
            verbs = await self.fetch_twiml(connect.action, connect.method, "in-progress")
        except CallFailed as exc:
            # Twilio logs 11200-type errors and ends the call rather than failing it after the fact.
            self._warn(11200, str(exc))
            return
        await self.run(verbs, connect.action, allow_stream=False)

    async def post_stream_event(
        self, step: StreamStep, stream_sid: str, event: str, error: str = ""
    ) -> None:
        """Post stream-started/stopped/error to <Stream statusCallback>, when it is set."""
        stream = step.stream
        if not stream.status_callback:
            return
        params = stream_event_params(
            self.account_sid, self.call_sid, stream_sid, stream.name, event, error
        )
        try:
            reply = await self.request(
                stream.status_callback_method, stream.status_callback, params
            )
            self._log(f"stream status callback {event} -> {reply.status}")
        except CallFailed as exc:
            self._warn(11200, str(exc))

    async def post_status_callback(self, url: str | None, duration_s: int) -> int | None:
        """Post the number's terminal status callback; return its HTTP status."""
        if url is None:
            return None
        params = completed_params(self.params("completed"), duration_s)
        try:
            reply = await self.request("POST", url, params)
        except CallFailed as exc:
            self._warn(11200, str(exc))
            return None
        self._log(f"status callback completed, CallDuration={duration_s} -> {reply.status}")
        return reply.status


def _attrs(attrs: dict[str, str]) -> str:
    return " ".join(f'{k}="{v}"' for k, v in attrs.items())
