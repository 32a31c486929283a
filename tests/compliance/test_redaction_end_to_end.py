"""Through the real bridge: personal numbers a caller says are masked everywhere they go."""

import json

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from calls.compliance.models import AccessLogEntry
from calls.models import CallEvent, Utterance
from prompts.models import AgentProfile
from tests.calls.conftest import responses_done, script
from tests.calls.waiting import delivered, eventually
from tests.compliance.conftest import PHONE_AND_RRN_LINE, contains_raw
from tests.monitoring.sockets import open_monitor, receive_until, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def realtime_script():
    """The caller gives a phone number and a 주민등록번호 in their first line."""
    return script(caller_lines=[PHONE_AND_RRN_LINE, "아니요, 괜찮습니다."])


def caller_utterance(message) -> bool:
    """The caller's finished turn on the monitor socket."""
    return message.get("type") == "call.utterance" and message.get("speaker") == "caller"


async def talk(fake_ai, make_caller, watcher):
    """Dial, hear the greeting, say the line, and collect what a watching supervisor receives."""
    call = await make_caller().dial()
    page = await open_monitor(watcher)
    await subscribe(page, "call", call.call_sid)
    session = await fake_ai.next_session()
    await eventually(lambda: delivered(call, session))
    await call.wait_for(lambda c: c.buffered_ms == 0, timeout=10)
    await call.send_speech(800)
    await call.wait_for(lambda c: responses_done(session) >= 2, timeout=20)
    seen = await receive_until(page, caller_utterance)
    await call.hang_up()
    await page.disconnect()
    return call, seen


def stored_text(call_sid: str) -> str:
    """Every transcript and event of the call as one string, as the database holds them."""
    utterances = Utterance.objects.filter(call__call_sid=call_sid)
    events = CallEvent.objects.filter(call__call_sid=call_sid)
    return json.dumps(
        [list(utterances.values("text", "heard_text", "unredacted_text")), list(events.values())],
        ensure_ascii=False,
        default=str,
    )


async def test_a_spoken_phone_and_resident_number_are_masked_in_storage_socket_and_api(
    fake_ai, make_caller, drained, staff_user, in_memory_layer
):
    call, seen = await talk(fake_ai, make_caller, staff_user)
    await drained()

    published = seen[-1]["text"]
    assert "[전화번호]" in published and "[주민번호]" in published
    assert contains_raw(json.dumps(seen, ensure_ascii=False)) == []  # deltas included

    row = await database_sync_to_async(Utterance.objects.get)(
        call__call_sid=call.call_sid, speaker="caller", text__contains="전화번호는"
    )
    assert row.text == "제 전화번호는 [전화번호]이고 주민번호는 [주민번호]이에요."
    assert row.unredacted_text == ""
    assert contains_raw(await database_sync_to_async(stored_text)(call.call_sid)) == []

    def read_api():
        client = Client()
        client.force_login(staff_user)
        return client.get(f"/api/calls/{call.call_sid}/")

    response = await database_sync_to_async(read_api)()
    assert response.status_code == 200
    body = response.content.decode()
    assert "[주민번호]" in body and contains_raw(body) == []


async def test_a_profile_that_keeps_raw_text_shows_it_only_with_the_permission_and_logs_it(
    fake_ai, make_caller, drained, staff_user, unredacted_reader, default_profile, in_memory_layer
):
    await database_sync_to_async(AgentProfile.objects.filter(pk=default_profile.pk).update)(
        keep_unredacted_text=True
    )
    call, _ = await talk(fake_ai, make_caller, staff_user)
    await drained()

    def read(user, path):
        client = Client()
        client.force_login(user)
        return client.get(path)

    row = await database_sync_to_async(Utterance.objects.get)(
        call__call_sid=call.call_sid, speaker="caller", text__contains="전화번호는"
    )
    assert row.unredacted_text == PHONE_AND_RRN_LINE
    page = f"/dashboard/calls/{call.call_sid}/unredacted/"
    refused = await database_sync_to_async(read)(staff_user, page)
    assert refused.status_code == 404
    allowed = await database_sync_to_async(read)(unredacted_reader, page)
    assert allowed.status_code == 200
    assert "010-9876-5432" in allowed.content.decode()
    api = await database_sync_to_async(read)(
        unredacted_reader, f"/api/calls/{call.call_sid}/?unredacted=1"
    )
    assert PHONE_AND_RRN_LINE in api.content.decode()
    reads = await database_sync_to_async(
        lambda: list(
            AccessLogEntry.objects.filter(action="view_unredacted").values_list(
                "username", "call_sid"
            )
        )
    )()
    assert reads == [("auditor", call.call_sid), ("auditor", call.call_sid)]
