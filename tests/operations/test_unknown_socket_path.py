"""A WebSocket to a path we do not serve is refused cleanly and logged at info, not a traceback."""

import logging

import pytest
from channels.testing import WebsocketCommunicator

from arsproject.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("path", ["/nope", "/twilio/streamX", "/ws/monitor/extra", "/"])
async def test_a_socket_to_an_unknown_path_is_refused_and_logged_at_info(caplog, path):
    caplog.set_level(logging.INFO)
    socket = WebsocketCommunicator(application, path, headers=[(b"host", b"testserver")])
    connected, _ = await socket.connect(timeout=3)
    assert not connected
    await socket.wait(timeout=3)
    refused = [r for r in caplog.records if "unknown path" in r.getMessage()]
    assert [r.levelno for r in refused] == [logging.INFO]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
