"""Parse the TwiML a voice webhook returns into typed verbs, the way Twilio reads it (pure)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

# Twilio: each <Parameter> name plus value must total under 500 characters (reference §1.2).
PARAMETER_LIMIT = 500


class TwimlError(ValueError):
    """TwiML that Twilio would refuse to execute."""


@dataclass(frozen=True)
class Say:
    """<Say>: spoken text, a timed no-op for the simulated caller."""

    text: str
    attrs: dict[str, str] = field(default_factory=dict)

    def as_tuple(self) -> tuple:
        """Return the ("Say", text, attrs) record kept in call logs."""
        return ("Say", self.text, self.attrs)


@dataclass(frozen=True)
class Pause:
    """<Pause length=N>: N seconds of nothing (default 1)."""

    length_s: float = 1.0
    attrs: dict[str, str] = field(default_factory=dict)

    def as_tuple(self) -> tuple:
        """Return the ("Pause", "", attrs) record kept in call logs."""
        return ("Pause", "", self.attrs)


@dataclass(frozen=True)
class Stream:
    """<Stream> inside <Connect>: the bidirectional media WebSocket."""

    url: str
    name: str | None = None
    status_callback: str | None = None
    status_callback_method: str = "POST"
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Connect:
    """<Connect>: blocks on its noun; on completion Twilio requests `action` if set."""

    stream: Stream | None
    action: str | None = None
    method: str = "POST"
    attrs: dict[str, str] = field(default_factory=dict)

    def as_tuple(self) -> tuple:
        """Return the ("Connect", stream url, attrs) record kept in call logs."""
        return ("Connect", self.stream.url if self.stream else "", self.attrs)


@dataclass(frozen=True)
class Dial:
    """<Dial>: transfer to a number (text or a <Number>/<Client>/<Sip> noun).

    `number_url` is <Number url>: TwiML Twilio runs for the called party once it answers,
    before the two are connected (a whisper).
    """

    target: str
    attrs: dict[str, str] = field(default_factory=dict)
    number_url: str | None = None
    number_method: str = "POST"

    def as_tuple(self) -> tuple:
        """Return the ("Dial", target, attrs) record kept in call logs."""
        return ("Dial", self.target, self.attrs)


@dataclass(frozen=True)
class Hangup:
    """<Hangup>: end the call."""

    def as_tuple(self) -> tuple:
        """Return the ("Hangup",) record kept in call logs."""
        return ("Hangup",)


@dataclass(frozen=True)
class UnknownVerb:
    """A verb the simulator does not model (Play, Gather, Redirect, Start…): recorded, skipped."""

    name: str
    text: str = ""
    attrs: dict[str, str] = field(default_factory=dict)

    def as_tuple(self) -> tuple:
        """Return the (name, text, attrs) record kept in call logs."""
        return (self.name, self.text, self.attrs)


Verb = Say | Pause | Connect | Dial | Hangup | UnknownVerb


def parse_twiml(document: str, document_url: str = "") -> list[Verb]:
    """Parse a <Response> document into verbs; relative URLs resolve against document_url."""
    try:
        root = ET.fromstring(document.strip().encode("utf-8"))
    except ET.ParseError as exc:
        raise TwimlError(f"TwiML is not well-formed XML: {exc}") from exc
    if root.tag != "Response":
        raise TwimlError(f"TwiML root must be <Response>, got <{root.tag}>")
    return [_parse_verb(element, document_url) for element in root]


def _parse_verb(element: ET.Element, document_url: str) -> Verb:
    attrs = dict(element.attrib)
    text = (element.text or "").strip()
    if element.tag == "Say":
        return Say(text=text, attrs=attrs)
    if element.tag == "Pause":
        return Pause(length_s=_pause_length(attrs), attrs=attrs)
    if element.tag == "Connect":
        return _parse_connect(element, attrs, document_url)
    if element.tag == "Dial":
        return _parse_dial(element, attrs, text, document_url)
    if element.tag == "Hangup":
        return Hangup()
    return UnknownVerb(name=element.tag, text=text, attrs=attrs)


def _pause_length(attrs: dict[str, str]) -> float:
    try:
        return float(attrs.get("length", "1"))
    except ValueError as exc:
        raise TwimlError(f"<Pause length> is not a number: {attrs['length']!r}") from exc


def _parse_dial(element: ET.Element, attrs: dict[str, str], text: str, document_url: str) -> Dial:
    number = element.find("Number")
    url = number.get("url") if number is not None else None
    return Dial(
        target=_dial_target(element, text),
        attrs=attrs,
        number_url=urljoin(document_url, url) if url else None,
        number_method=(number.get("method", "POST") if number is not None else "POST").upper(),
    )


def _dial_target(element: ET.Element, text: str) -> str:
    # Twilio accepts the number as text or as nested nouns; the first noun is enough for a log.
    for noun in element:
        if noun.tag in {"Number", "Client", "Sip", "Conference", "Queue"}:
            return (noun.text or "").strip()
    return text


def _parse_connect(element: ET.Element, attrs: dict[str, str], document_url: str) -> Connect:
    action = attrs.get("action")
    stream = None
    for noun in element:
        if noun.tag == "Stream":
            stream = _parse_stream(noun, document_url)
    return Connect(
        stream=stream,
        action=urljoin(document_url, action) if action else None,
        method=attrs.get("method", "POST").upper(),
        attrs=attrs,
    )


def _parse_stream(element: ET.Element, document_url: str) -> Stream:
    url = element.get("url")
    if not url:
        raise TwimlError("<Stream> has no url attribute")
    parameters: dict[str, str] = {}
    for child in element:
        if child.tag == "Parameter":
            name, value = child.get("name", ""), child.get("value", "")
            if len(name) + len(value) >= PARAMETER_LIMIT:
                raise TwimlError(
                    f"<Parameter name={name[:40]!r}>: name plus value must be under "
                    f"{PARAMETER_LIMIT} characters"
                )
            parameters[name] = value
    return Stream(
        url=_absolute_ws_url(url, document_url),
        name=element.get("name"),
        status_callback=element.get("statusCallback"),
        status_callback_method=element.get("statusCallbackMethod", "POST").upper(),
        parameters=parameters,
    )


def _absolute_ws_url(url: str, document_url: str) -> str:
    # A relative stream url resolves against the TwiML's own URL, with http(s) mapped to ws(s).
    if not urlsplit(url).scheme and document_url:
        resolved = urljoin(document_url, url)
        return "ws" + resolved[4:] if resolved.startswith("http") else resolved
    return url


def check_stream_url(url: str, allow_ws: bool = True) -> None:
    """Refuse a stream url Twilio would not connect to: a query string, or a scheme not wss."""
    parts = urlsplit(url)
    allowed = {"wss", "ws"} if allow_ws else {"wss"}
    if parts.scheme not in allowed:
        raise TwimlError(f"<Stream url> must use wss:// (got {parts.scheme or 'no'} scheme): {url}")
    if parts.query:
        raise TwimlError(
            f"<Stream url> must not contain a query string (use <Parameter> instead): {url}"
        )
    if not parts.netloc:
        raise TwimlError(f"<Stream url> has no host: {url}")
