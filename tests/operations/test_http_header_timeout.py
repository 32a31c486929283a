"""A connection that never finishes its request headers is closed within the configured time."""

import socket
import time
import urllib.request

import pytest

from tests.calls.test_graceful_shutdown import caller_for
from tests.server_process import start_server

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HEADER_SECONDS = 1


@pytest.fixture
def server(tmp_path, fake_ai):
    """The real server (`manage.py serve`) with a one-second header deadline."""
    process = start_server(
        tmp_path, HTTP_HEADER_TIMEOUT_SECONDS=str(HEADER_SECONDS), OPENAI_REALTIME_URL=fake_ai.url
    )
    yield process
    process.stop()


def dribble_until_closed(port: int, within: float) -> float:
    """Send a request's headers a byte at a time, never ending them; seconds until closed."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.settimeout(0.25)  # each wait doubles as the pause between dribbled bytes
        client.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        while time.monotonic() - started < within:
            try:
                if client.recv(1024) == b"":
                    return time.monotonic() - started
            except TimeoutError:
                client.sendall(b"X")  # a slowloris keeps the idle timer fresh
            except ConnectionResetError:
                return time.monotonic() - started
    return float("inf")


def test_a_connection_with_unfinished_headers_is_closed_within_the_header_timeout(server):
    assert dribble_until_closed(server.port, within=HEADER_SECONDS + 5) < HEADER_SECONDS + 2.5
    with urllib.request.urlopen(f"{server.base_url}/healthz", timeout=5) as response:
        assert response.status == 200  # a normal request is unaffected


async def test_a_call_outlives_the_header_timeout(server):
    call = await caller_for(server, status_callback_path=None).dial()
    await call.send_silence((HEADER_SECONDS + 2) * 1000)  # real time: the stream stays up
    assert call.streaming
    assert (await call.hang_up()).ended_by == "caller"
