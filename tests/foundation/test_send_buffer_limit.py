"""A client that stops reading cannot make the process buffer without bound: it is cut off."""

import socket

from autobahn.twisted.websocket import WebSocketServerProtocol
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from twisted.internet import tcp

from arsproject import twisted_writes

LIMIT = 256 * 1024


class Reactor:
    """The part of a reactor a connection uses to wait for its socket and to abort."""

    def __init__(self):
        self.writers = set()
        self.later = []

    def addWriter(self, writer):
        self.writers.add(writer)

    def removeWriter(self, writer):
        self.writers.discard(writer)

    def removeReader(self, reader):
        pass

    def callLater(self, delay, function, *args):
        self.later.append((function, args))


@hypothesis_settings(max_examples=40, deadline=None)
@given(writes=st.lists(st.integers(min_value=1, max_value=64 * 1024), min_size=1, max_size=200))
def test_a_websocket_peer_that_stops_reading_is_cut_off_once_its_buffer_passes_the_limit(
    writes,
):
    twisted_writes.install()
    twisted_writes.send_buffer_limit = LIMIT
    ours, peer = socket.socketpair()  # the peer never reads: a frozen tab, a stalled edge
    reactor = Reactor()
    conn = tcp.Connection(ours, protocol=WebSocketServerProtocol(), reactor=reactor)
    conn.connected = True
    try:
        for size in writes:
            conn.write(b"x" * size)
            if conn._aborting:
                break
            assert twisted_writes.buffered_bytes(conn) <= LIMIT  # never held beyond the bound
        over = twisted_writes.buffered_bytes(conn) > LIMIT
        assert conn._aborting == over
        assert not over or reactor.later[0][0] == conn.connectionLost  # the loss is reported
    finally:
        twisted_writes.send_buffer_limit = 4 * 1024 * 1024
        ours.close()
        peer.close()
