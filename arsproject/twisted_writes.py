"""Write-through for daphne's TCP connections: a frame goes to the socket at once.

Twisted buffers every write and sends it on the next writable event: per outgoing WebSocket
frame that is an epoll registration, a loop wake-up, the send, and a second registration to
stop watching. A media stream sends 100 small frames a second per call (media and mark), so
that bookkeeping cost more CPU than the bridge itself. Asyncio's own transports try the send
first and only wait when the socket is full; this does the same for plain TCP connections.

Order is kept: the direct send happens only when nothing is buffered. A partial send or an
error hands the rest to Twisted's usual path, which finishes it or reports the lost connection
exactly as before. TLS connections (daphne behind nginx does not use them) and connections
with a pull producer attached are left to Twisted.

Streaming producers are allowed, and must be: daphne upgrades a WebSocket on the transport of
Twisted's HTTP channel, which registered itself as the transport's streaming producer and stays
registered, so every WebSocket connection has one. A push producer is only paused once the
buffer passes its limit; a complete direct send leaves the buffer empty, and any rest goes
through Twisted's write, which pauses it as before.
"""

from __future__ import annotations

import logging

from autobahn.twisted.websocket import WebSocketServerProtocol
from twisted.internet import tcp

logger = logging.getLogger(__name__)

_buffered_write = tcp.Connection.write
# A WebSocket peer that stops reading (a stalled Twilio edge, a supervisor's frozen tab) would
# otherwise make Twisted buffer every frame sent to it for as long as the socket lives. Past this
# many bytes waiting the connection is aborted: the media stream ends like a hang-up, a monitor
# page reconnects and resyncs from its snapshot. HTTP responses are finite and left alone (nginx
# reads them at once in production). asgi.py sets it from SEND_BUFFER_LIMIT_BYTES.
send_buffer_limit = 4 * 1024 * 1024


def buffered_bytes(connection: tcp.Connection) -> int:
    """Bytes Twisted holds for this connection, not yet taken by the kernel."""
    return len(connection.dataBuffer) - connection.offset + connection._tempDataLen


def write_through(connection: tcp.Connection, data: bytes) -> None:
    """Send data now when the connection has nothing queued; otherwise queue it as Twisted does."""
    if (
        connection.TLS
        or not connection.connected
        or connection.disconnecting
        or connection._writeDisconnected
        or (connection.producer is not None and not connection.streamingProducer)
        or connection.producerPaused
        or connection.dataBuffer
        or connection._tempDataBuffer
        or type(data) is not bytes
        or not data
    ):
        buffered_write(connection, data)
        return
    sent = connection.writeSomeData(data)
    if isinstance(sent, int) and sent >= 0:
        if sent == len(data):
            return
        data = data[sent:]
    buffered_write(connection, data)  # the rest, or all of it after an error: Twisted's path


def buffered_write(connection: tcp.Connection, data: bytes) -> None:
    """Queue data as Twisted does; abort a connection whose peer has stopped reading."""
    _buffered_write(connection, data)
    if (
        connection.connected
        and buffered_bytes(connection) > send_buffer_limit
        and isinstance(connection.protocol, WebSocketServerProtocol)
    ):
        logger.warning(
            "closing the WebSocket of %s: it stopped reading (%d bytes waiting)",
            getattr(connection, "client", "a peer"),
            buffered_bytes(connection),
        )
        connection.abortConnection()


def install() -> None:
    """Make every plain TCP connection of this process write through (idempotent)."""
    tcp.Connection.write = write_through
