"""The recorder gathers records into batches: one database transaction for many turns."""

import asyncio

import pytest

from calls import recorder as recorder_module
from calls.recorder import Recorder
from tests.calls.waiting import eventually

pytestmark = pytest.mark.django_db(transaction=True)

CALL_SID = "CA" + "b" * 32


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
