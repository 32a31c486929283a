"""daphne's TCP connections send a frame at once, keep order, and fall back to Twisted's buffer."""

import contextlib
import socket

import pytest
from twisted.internet import tcp
from twisted.web.http import HTTPChannel

from arsproject import twisted_writes


class RecordingReactor:
    """The part of a reactor a connection uses to wait for a writable socket."""

    def __init__(self):
        self.writers = set()
        self.added = 0

    def addWriter(self, writer):
        self.added += 1
        self.writers.add(writer)

    def removeWriter(self, writer):
        self.writers.discard(writer)


@contextlib.contextmanager
def connected(ours: socket.socket, peer: socket.socket):
    """A Twisted connection on `ours`, with write-through installed; both sockets closed after."""
    twisted_writes.install()
    reactor = RecordingReactor()
    conn = tcp.Connection(ours, protocol=None, reactor=reactor)
    conn.connected = True
    peer.setblocking(False)
    try:
        yield conn, peer, reactor
    finally:
        ours.close()
        peer.close()


@pytest.fixture
def connection():
    """A Twisted TCP connection over a real socket pair, with write-through installed."""
    with connected(*socket.socketpair()) as parts:
        yield parts


def read_all(peer: socket.socket) -> bytes:
    """Everything the peer can read right now."""
    chunks = []
    while True:
        try:
            chunk = peer.recv(1 << 20)
        except BlockingIOError:
            return b"".join(chunks)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def test_asgi_installs_write_through():
    import arsproject.asgi  # noqa: F401

    assert tcp.Connection.write is twisted_writes.write_through


def test_a_small_frame_reaches_the_socket_without_waiting_for_the_loop(connection):
    conn, peer, reactor = connection
    conn.write(b'{"event": "media"}')
    conn.write(b'{"event": "mark"}')
    assert read_all(peer) == b'{"event": "media"}{"event": "mark"}'
    assert reactor.added == 0


def test_a_full_socket_falls_back_to_the_buffer_and_keeps_the_order(connection):
    conn, peer, reactor = connection
    big = bytes(range(256)) * 40_000  # more than the kernel takes at once
    conn.write(big)
    conn.write(b"after")  # must not overtake the buffered rest of `big`
    assert reactor.writers == {conn}
    received = read_all(peer)
    while conn in reactor.writers:
        conn.doWrite()
        received += read_all(peer)
    assert received == big + b"after"


def test_a_lost_connection_is_left_to_twisted_to_report(connection):
    conn, peer, reactor = connection
    peer.close()
    conn.write(b"to nobody")
    assert reactor.writers == {conn}  # doWrite will report the loss as before
    assert conn.doWrite() is not None


def test_a_closed_connection_drops_writes_as_twisted_does(connection):
    conn, peer, reactor = connection
    conn.connected = False
    conn.write(b"dropped")
    assert read_all(peer) == b"" and reactor.added == 0


class PushProducer:
    """A streaming producer that counts how often it was asked to pause."""

    def __init__(self):
        self.paused = 0

    def pauseProducing(self):
        self.paused += 1

    def resumeProducing(self):
        pass

    def stopProducing(self):
        pass


def test_a_websocket_upgraded_from_http_writes_through():
    """daphne upgrades on the transport of Twisted's HTTP channel, which stays its producer."""
    with socket.create_server(("127.0.0.1", 0)) as listener:  # the channel wants TCP options
        ours = socket.create_connection(listener.getsockname())
        peer, _ = listener.accept()
    with connected(ours, peer) as (conn, peer, reactor):
        channel = HTTPChannel()
        channel.timeOut = None
        channel.makeConnection(conn)
        assert conn.producer is not None  # what made every WebSocket frame wait before
        conn.write(b'{"event": "media"}')
        assert read_all(peer) == b'{"event": "media"}'
        assert reactor.added == 0


def test_a_full_socket_still_pauses_a_push_producer(connection):
    conn, peer, reactor = connection
    producer = PushProducer()
    conn.registerProducer(producer, True)
    conn.write(bytes(range(256)) * 40_000)  # the rest is buffered beyond the buffer's limit
    assert producer.paused == 1 and conn.producerPaused
    conn.write(b"after")
    assert reactor.writers == {conn}


class PullProducer:
    """Writes only when asked; relies on Twisted's writable events to be asked again."""

    def resumeProducing(self):
        pass

    def stopProducing(self):
        pass


def test_a_pull_producer_is_left_to_twisted(connection):
    conn, peer, reactor = connection
    conn.registerProducer(PullProducer(), False)
    conn.write(b"chunk")
    assert reactor.writers == {conn}  # Twisted sends it on the next writable event
