"""The recorder gathers records into batches: one database transaction for many turns."""

import asyncio
import logging

import pytest
from channels.db import database_sync_to_async

from calls.models import Call, CallEvent, Utterance
from calls.records import recorder as recorder_module
from calls.records import services
from calls.records.recorder import Record, Recorder, in_bulk
from tests.calls.waiting import eventually

pytestmark = pytest.mark.django_db(transaction=True)

CALL_SID = "CA" + "b" * 32
UNKNOWN_SID = "CA" + "c" * 32


@pytest.fixture
def batches(monkeypatch):
    """Sizes of the batches the recorder writes, in order."""
    sizes = []
    real_write = recorder_module.write_batch

    def write(records):
        sizes.append(len(records))
        real_write(records)

    monkeypatch.setattr(recorder_module, "write_batch", write)
    return sizes


async def test_records_that_arrive_while_a_batch_gathers_share_its_transaction(batches):
    written = []
    recorder = Recorder(linger_s=60.0)  # only the flush below ends this batch's wait
    recorder.record(CALL_SID, "agent utterance", written.append, 1)
    await eventually(lambda: recorder.backlog == 0)  # the first record is taken: it gathers
    for number in (2, 3, 4):
        recorder.record(CALL_SID, "caller utterance", written.append, number)
    await asyncio.wait_for(recorder.flush(), 5)
    assert batches == [4]
    assert written == [1, 2, 3, 4]


async def test_a_batch_is_written_after_the_linger_without_anyone_flushing(batches):
    written = []
    recorder = Recorder(linger_s=0.05)
    recorder.record(CALL_SID, "agent utterance", written.append, "안녕하세요")
    await eventually(lambda: written == ["안녕하세요"])
    assert batches == [1]


async def test_a_flush_never_waits_for_the_linger(batches):
    written = []
    recorder = Recorder(linger_s=3600.0)
    for number in range(3):
        recorder.record(CALL_SID, "timeline event", written.append, number)
    await asyncio.wait_for(recorder.flush(), 5)
    recorder.record(CALL_SID, "final call state", written.append, "final")
    await asyncio.wait_for(recorder.flush(), 5)
    assert written == [0, 1, 2, "final"]


def turn(text: str) -> dict:
    """add_utterance's fields for an agent turn."""
    return {"speaker": "agent", "text": text, "item_id": f"item_{text}", "started_ms": 0}


def test_a_batch_stores_each_kind_of_row_in_one_statement_in_order():
    def finalize(call_sid):
        pass

    records = [
        Record(CALL_SID, "agent utterance", services.add_utterance, (1, turn("a"))),
        Record(CALL_SID, "dtmf event", services.add_event, (1, "dtmf", {"digit": "1"}, 10)),
        Record(CALL_SID, "final call state", finalize, (CALL_SID,)),
        Record(CALL_SID, "caller utterance", services.add_utterance, (1, turn("b"))),
        Record(CALL_SID, "barge_in event", services.add_event, (1, "barge_in", {}, 20)),
    ]
    assert in_bulk(records) == [
        (services.add_utterances, ([(1, turn("a")), (1, turn("b"))],)),
        (services.add_events, ([(1, "dtmf", {"digit": "1"}, 10), (1, "barge_in", {}, 20)],)),
        (finalize, (CALL_SID,)),
    ]


async def test_gathered_rows_reach_the_database_in_order(default_profile):
    call = await database_sync_to_async(Call.objects.create)(call_sid=CALL_SID)
    recorder = Recorder(linger_s=3600.0)
    for text in ("안녕하세요", "배송 조회요", "네 확인해 드릴게요"):
        recorder.record(CALL_SID, "agent utterance", services.add_utterance, call.pk, turn(text))
        recorder.record(CALL_SID, "tool event", services.add_event, call.pk, "tool_call", {}, 5)
    await asyncio.wait_for(recorder.flush(), 5)
    texts = await database_sync_to_async(
        lambda: list(Utterance.objects.filter(call=call).order_by("id").values_list("text"))
    )()
    events = await database_sync_to_async(CallEvent.objects.filter(call=call).count)()
    assert [text for (text,) in texts] == ["안녕하세요", "배송 조회요", "네 확인해 드릴게요"]
    assert events == 3


async def test_a_row_the_database_rejects_is_named_and_the_rest_of_its_batch_is_stored(
    default_profile, caplog
):
    call = await database_sync_to_async(Call.objects.create)(call_sid=CALL_SID)
    recorder = Recorder(linger_s=3600.0)
    missing = call.pk + 1000  # no such call: the foreign key refuses the row
    with caplog.at_level(logging.ERROR, logger="calls.records.recorder"):
        recorder.record(CALL_SID, "agent utterance", services.add_utterance, call.pk, turn("a"))
        recorder.record(UNKNOWN_SID, "caller utterance", services.add_utterance, missing, turn("b"))
        recorder.record(CALL_SID, "agent utterance", services.add_utterance, call.pk, turn("c"))
        await asyncio.wait_for(recorder.flush(), 5)
    texts = await database_sync_to_async(
        lambda: sorted(Utterance.objects.filter(call=call).values_list("text", flat=True))
    )()
    assert texts == ["a", "c"]
    assert recorder.lost == 1
    assert f"could not store caller utterance of call {UNKNOWN_SID}" in caplog.text
