"""One business tool request: fill the URL, check where it goes, send it, cap and read the answer.

The model always gets a JSON object back: the API's JSON answer, or `{"error": ...}` saying what
went wrong (timeout, HTTP status, too large, not JSON, refused), so the agent can tell the caller
politely. Nothing is retried. Hosts must be on TOOL_ALLOWED_HOSTS; a name that resolves to a
private, loopback or link-local address is refused unless that address is itself on the list
(checked by the connector's resolver, so the address connected to is the one checked). Redirects
are followed only on the same host. Header secrets are `${ENV_NAME}` references filled here and
never logged.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import os
import socket
import string
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import quote, urlencode, urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from prompts.tool_spec import (
    SECRET_REFERENCE,
    ToolRuleError,
    ToolSpec,
    address_allowed,
    check_url,
    placeholders,
)

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 3
CUT_MARKER = "…[잘림]"


@dataclass(frozen=True)
class ToolOutcome:
    """What a tool call gave: the model's output and the figures for the timeline."""

    output: dict
    outcome: str  # ok, http_error, timeout, too_large, not_json, refused, network_error
    status: int | None = None
    latency_ms: int = 0
    bytes: int = 0
    sent_at: float | None = None  # monotonic time the request left (None: never sent)


class AddressRefused(OSError):
    """A tool host resolved to an address tools may not reach."""


class CheckedResolver(AbstractResolver):
    """Resolves like the OS does, refusing private addresses not named on the allow list."""

    def __init__(self, allowed_hosts: list[str]):
        self.allowed_hosts = allowed_hosts

    async def resolve(self, host: str, port: int = 0, family=socket.AF_INET) -> list[ResolveResult]:
        """The addresses of `host`, all of them allowed, or AddressRefused."""
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, port, type=socket.SOCK_STREAM, family=family
        )
        results = []
        for fam, _, proto, _, address in infos:
            if not address_allowed(address[0], self.allowed_hosts):
                raise AddressRefused(f"{host} resolves to a private address")
            results.append(
                ResolveResult(
                    hostname=host,
                    host=address[0],
                    port=address[1],
                    family=fam,
                    proto=proto,
                    flags=socket.AI_NUMERICHOST,
                )
            )
        return results

    async def close(self) -> None:
        """Nothing to release."""


def open_session(allowed_hosts: list[str]) -> aiohttp.ClientSession:
    """An HTTP client for one call's tools (closed at teardown)."""
    connector = aiohttp.TCPConnector(resolver=CheckedResolver(allowed_hosts), limit=8)
    return aiohttp.ClientSession(connector=connector, trust_env=False)


def build_request(spec: ToolSpec, arguments: dict) -> tuple[str, dict | None]:
    """The URL with placeholders filled (URL-encoded) and the JSON body for POST."""
    used = placeholders(spec.url)
    missing = [name for name in used if name not in arguments]
    if missing:
        raise ToolRuleError(f"missing argument: {', '.join(missing)}")
    values = {name: quote(str(arguments[name]), safe="") for name in used}
    url = string.Formatter().vformat(spec.url, (), values)
    if spec.method == "POST":
        return url, arguments
    rest = {k: v for k, v in arguments.items() if k not in used}
    if rest:
        url += ("&" if urlsplit(url).query else "?") + urlencode(rest)
    return url, None


def fill_secrets(headers: Mapping[str, str], environ: Mapping[str, str]) -> dict[str, str]:
    """Header values with ${ENV_NAME} replaced from the environment; a missing one is refused."""
    filled = {}
    for name, value in headers.items():
        for secret in SECRET_REFERENCE.findall(value):
            if secret not in environ:
                raise ToolRuleError(f"environment variable {secret} is not set")
        filled[name] = SECRET_REFERENCE.sub(lambda m: environ[m.group(1)], value)
    return filled


def refused(reason: str, started: float) -> ToolOutcome:
    """A request we would not send."""
    return ToolOutcome(
        {"error": "refused", "reason": reason}, "refused", latency_ms=elapsed(started)
    )


def elapsed(started: float) -> int:
    """Milliseconds since `started`."""
    return round((time.monotonic() - started) * 1000)


async def run_tool(
    spec: ToolSpec,
    arguments: dict,
    session: aiohttp.ClientSession,
    allowed_hosts: list[str],
    production: bool,
    environ: Mapping[str, str] = os.environ,
) -> ToolOutcome:
    """Send one tool request and turn whatever happens into a ToolOutcome (never raises)."""
    started = time.monotonic()
    try:
        url, body = build_request(spec, arguments)
        check_url(url.replace("{", "{{").replace("}", "}}"), {}, allowed_hosts, production)
        headers = fill_secrets(spec.headers, environ)
        literal = urlsplit(url).hostname or ""
        if _is_ip(literal) and not address_allowed(literal, allowed_hosts):
            raise AddressRefused(literal)
    except ToolRuleError as error:
        return refused(str(error), started)
    except AddressRefused:
        return refused("private address", started)
    try:
        async with asyncio.timeout(spec.timeout_ms / 1000):
            return await _send(spec, session, url, headers, body, started)
    except TimeoutError:
        return ToolOutcome({"error": "timeout"}, "timeout", latency_ms=elapsed(started))
    except aiohttp.ClientConnectorError as error:
        if isinstance(error.os_error, AddressRefused):
            return refused("private address", started)
        return _network_error(spec, started)
    except (aiohttp.ClientError, OSError):
        return _network_error(spec, started)


async def _send(spec, session, url, headers, body, started) -> ToolOutcome:
    """The request, same-host redirects included, and its capped answer."""
    host = urlsplit(url).hostname
    sent_at = time.monotonic()
    for _ in range(MAX_REDIRECTS + 1):
        async with session.request(
            spec.method, url, headers=headers, json=body, allow_redirects=False
        ) as response:
            if response.status in (301, 302, 303, 307, 308) and "Location" in response.headers:
                target = urljoin(url, response.headers["Location"])
                if urlsplit(target).hostname != host:
                    return refused("redirect to another host", started)
                url = target
                continue
            raw, cut = await _read_capped(response, spec.max_response_bytes)
            return replace(_outcome(response.status, raw, cut, started), sent_at=sent_at)
    return refused("too many redirects", started)


async def _read_capped(response: aiohttp.ClientResponse, cap: int) -> tuple[bytes, bool]:
    """At most `cap` bytes of the body, and whether there was more."""
    data = bytearray()
    async for chunk in response.content.iter_chunked(16 * 1024):
        data.extend(chunk)
        if len(data) > cap:
            return bytes(data[:cap]), True
    return bytes(data), False


def _outcome(status: int, raw: bytes, cut: bool, started: float) -> ToolOutcome:
    """The model's output for an answer that arrived."""
    latency = elapsed(started)
    if cut:
        text = raw.decode("utf-8", "replace") + CUT_MARKER
        return ToolOutcome(
            {"error": "too_large", "body": text}, "too_large", status, latency, len(raw)
        )
    if not 200 <= status < 300:
        text = raw[:500].decode("utf-8", "replace")
        output = {"error": "http_status", "status": status, "body": text}
        return ToolOutcome(output, "http_error", status, latency, len(raw))
    try:
        data = json.loads(raw)
    except ValueError:
        return ToolOutcome({"error": "not_json"}, "not_json", status, latency, len(raw))
    output = data if isinstance(data, dict) else {"result": data}
    return ToolOutcome(output, "ok", status, latency, len(raw))


def _network_error(spec: ToolSpec, started: float) -> ToolOutcome:
    """The host could not be reached (logged without URL arguments or headers)."""
    logger.warning("tool %s: network error", spec.name)
    return ToolOutcome({"error": "network_error"}, "network_error", latency_ms=elapsed(started))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
