"""A monitor socket that floods the server with messages is closed with 4429 and its work stops."""

import pytest

from tests.monitoring.sockets import TIMEOUT, open_monitor

pytestmark = pytest.mark.django_db(transaction=True)

FLOOD = 300
BURST = 30  # what a page may send at once (README: 감독자 소켓)


async def test_a_flooding_socket_is_closed_with_4429_and_its_queued_messages_are_dropped(
    staff_user,
):
    socket = await open_monitor(staff_user)
    for _ in range(FLOOD):
        await socket.send_json_to({"action": "subscribe", "target": "wallboard"})
    answers = []
    while True:
        output = await socket.receive_output(timeout=TIMEOUT)
        if output["type"] == "websocket.close":
            break
        answers.append(output)
    assert output["code"] == 4429
    # Snapshots for the budget only (30 at once, then 5 a second while they are served),
    # far fewer than the messages sent.
    assert BURST <= len(answers) < 2 * BURST
    await socket.wait(timeout=TIMEOUT)  # the consumer itself has stopped
    assert socket.future.done() and socket.future.exception() is None
