"""Database down or slow: calls go on, records wait in a bounded queue, losses are named."""

import asyncio
import logging

import pytest
from channels.db import database_sync_to_async
from django.db import OperationalError
from django.test import override_settings

from calls.models import Call, Utterance
from calls.records import recorder as recorder_module
from calls.records.recorder import Recorder
from tests.calls.waiting import delivered, eventually

pytestmark = pytest.mark.django_db(transaction=True)


class FlakyDatabase:
    """Stands in for the recorder's one write chokepoint: fails while `down` is set."""

    def __init__(self, real_write):
        self.real_write = real_write
        self.down = asyncio.Event()
        self.failed_batches = 0

    def write(self, records):
        if self.down.is_set():
            self.failed_batches += 1
            raise OperationalError("connection refused (database is down)")
        self.real_write(records)


@pytest.fixture
def flaky_database(monkeypatch):
    """The recorder writes through a database we can take down and bring back."""
    flaky = FlakyDatabase(recorder_module.write_batch)
    monkeypatch.setattr(recorder_module, "write_batch", flaky.write)
    monkeypatch.setattr(recorder_module, "RETRY_DELAYS_S", (0.01, 0.02, 0.05))
    return flaky


async def transcript(call_sid):
    """(speaker, text) rows stored for a call."""
    return await database_sync_to_async(
        lambda: list(
            Utterance.objects.filter(call__call_sid=call_sid).values_list("speaker", "text")
        )
    )()


async def test_a_call_goes_on_while_the_database_is_down_and_nothing_is_lost(
    flaky_database, fake_ai, make_caller, drained
):
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await eventually(lambda: delivered(call, session))
    await call.wait_for(lambda c: c.buffered_ms == 0, timeout=10)

    flaky_database.down.set()
    await call.send_speech(600)
    heard = call.heard_ms
    await call.wait_for(lambda c: c.heard_ms > heard + 1000 and c.buffered_ms == 0, timeout=10)
    await eventually(lambda: flaky_database.failed_batches > 0)
    assert await transcript(call.call_sid) == []  # still waiting in the queue

    flaky_database.down.clear()
    await call.hang_up()
    await drained()
    lines = await transcript(call.call_sid)
    assert ("caller", "배송 상태를 알고 싶어요.") in lines
    assert sum(1 for speaker, _ in lines if speaker == "agent") >= 2
    row = await database_sync_to_async(Call.objects.get)(call_sid=call.call_sid)
    assert row.status == "completed"


async def test_when_the_bound_is_hit_the_error_log_names_the_call_and_what_was_lost(caplog):
    written = []
    outage = asyncio.Event()
    outage.set()

    def operation(value):
        if outage.is_set():
            raise OperationalError("database is down")
        written.append(value)

    small = Recorder(capacity=3)
    with caplog.at_level(logging.ERROR, logger="calls.records.recorder"):
        for number in range(6):
            small.record("CA" + "e" * 32, f"agent utterance {number}", operation, number)
        await eventually(lambda: "lost" in caplog.text)
    outage.clear()
    await small.flush()
    assert f"agent utterance 0 of call CA{'e' * 32}" in caplog.text
    assert small.lost >= 2
    assert written and written == sorted(written)  # what survived was written, in order
    assert len(written) + small.lost == 6


@override_settings(TWILIO_AUTH_TOKEN="test-twilio-auth-token")
def test_connect_action_apologises_when_the_database_is_down(client, monkeypatch, settings):
    from twilio.request_validator import RequestValidator

    from calls.records import services

    def down(call_sid):
        raise OperationalError("database is down")

    monkeypatch.setattr(services, "end_reason_of", down)
    params = {"CallSid": "CA" + "f" * 32}
    url = settings.APP_PUBLIC_BASE_URL + "/twilio/connect-action"
    signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(url, params)
    response = client.post("/twilio/connect-action", params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 200
    assert "죄송합니다" in response.content.decode()
    assert "<Dial>" in response.content.decode()
