"""Deadlines daphne lacks: a request's headers must arrive in time, idle connections close.

Twisted's HTTP channel only has an idle timeout, reset by every byte: a client that sends one
header byte now and then (slowloris) holds its connection, and a slot of this process, for as
long as it likes. Here every connection, and every new request on a kept-alive one, must finish
its headers within `header_seconds` or it is aborted; between requests the idle timeout is
`idle_seconds`. Once the headers are in, daphne's own limits apply (the WebSocket handshake
and connect timeouts; the application's response time). nginx in front buffers slow bodies.
"""

from __future__ import annotations

import logging

from daphne.http_protocol import HTTPFactory

logger = logging.getLogger(__name__)

_build_protocol = HTTPFactory.buildProtocol


class HeaderDeadline:
    """Aborts one HTTP connection whose request headers are not complete in time."""

    def __init__(self, protocol, seconds: float):
        self.protocol = protocol  # what the transport talks to until a WebSocket upgrade
        self.channel = channel = protocol._channel
        self.seconds = seconds
        self.call = None
        self.headers_done = channel.allHeadersReceived
        self.request_done = channel.requestDone
        channel.allHeadersReceived = self.all_headers_received
        channel.requestDone = self.next_request
        self.lost = channel.connectionLost
        channel.connectionLost = self.connection_lost
        self.arm()

    def still_http(self) -> bool:
        """Whether the connection is open and still speaks HTTP (not upgraded)."""
        transport = self.channel.transport
        return (
            transport is not None
            and transport.connected
            and not transport.disconnecting
            and getattr(transport, "protocol", None) is self.protocol
        )

    def arm(self) -> None:
        """Start counting for the next request's headers."""
        from twisted.internet import reactor  # daphne's (asyncio) reactor, installed by then

        self.call = reactor.callLater(self.seconds, self.expire)

    def disarm(self) -> None:
        """Stop counting (the headers arrived, or the connection is gone)."""
        if self.call is not None and self.call.active():
            self.call.cancel()
        self.call = None

    def all_headers_received(self) -> None:
        """The headers are complete in time: daphne takes the request from here."""
        self.disarm()
        self.headers_done()

    def next_request(self, request) -> None:
        """A request finished on a kept-alive connection: the next one's headers are timed."""
        self.request_done(request)
        self.disarm()
        if self.still_http():
            self.arm()

    def connection_lost(self, reason) -> None:
        """The connection closed: nothing left to time."""
        self.disarm()
        self.lost(reason)

    def expire(self) -> None:
        """Too slow: drop the connection without an answer."""
        self.call = None
        if self.still_http():
            logger.info("closing a connection whose request headers took over %g s", self.seconds)
            self.channel.transport.abortConnection()


def install(header_seconds: float, idle_seconds: float) -> None:
    """Give every HTTP connection daphne accepts from now on these deadlines."""

    def build_protocol(factory, addr):
        protocol = _build_protocol(factory, addr)
        protocol.timeOut = idle_seconds
        HeaderDeadline(protocol, header_seconds)
        return protocol

    HTTPFactory.buildProtocol = build_protocol
