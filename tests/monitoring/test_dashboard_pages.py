"""The wallboard, history and call pages: staff only, masked numbers, search, filters, pages."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calls.models import CallEvent, Speaker, Utterance

pytestmark = pytest.mark.django_db

PAGES = [
    ("dashboard-wallboard", []),
    ("dashboard-history", []),
]


@pytest.mark.parametrize("name,args", PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=/dashboard/")


@pytest.mark.parametrize("name,args", PAGES)
def test_logged_in_users_who_are_not_staff_get_403(client, plain_user, name, args):
    client.force_login(plain_user)
    assert client.get(reverse(name, args=args)).status_code == 403


def test_the_call_page_is_staff_only_too(client, plain_user, make_call):
    url = reverse("dashboard-call", args=[make_call().call_sid])
    assert client.get(url).status_code == 302
    client.force_login(plain_user)
    assert client.get(url).status_code == 403


def test_the_wallboard_shows_todays_totals_in_korean(client, staff_user, make_call):
    make_call(status="completed", end_reason="transferred", duration_seconds=60)
    make_call(status="failed", end_reason="ai_unavailable", duration_seconds=20)
    yesterday = timezone.now() - dt.timedelta(days=2)
    make_call(status="completed", started_at=yesterday)
    client.force_login(staff_user)
    page = client.get(reverse("dashboard-wallboard"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert 'lang="ko"' in page
    start = page.index('<script id="kpis" type="application/json">')
    kpis = json.loads(page[page.index(">", start) + 1 : page.index("</script>", start)])
    today = kpis["today"]
    assert (today["calls"], today["failures"], today["avg_handle_seconds"]) == (2, 1, 40)
    assert today["transfer_rate"] == 50.0
    assert 'id="kpi-containment_rate"' in page and 'id="hourly-chart"' in page
    assert "dashboard/wallboard.js" in page


def test_history_masks_numbers_for_staff_and_shows_them_to_superusers(
    client, staff_user, superuser, make_call
):
    make_call(status="completed")
    client.force_login(staff_user)
    page = client.get(reverse("dashboard-history")).content.decode()
    assert "010-****-5678" in page and "+821012345678" not in page
    client.force_login(superuser)
    assert "+821012345678" in client.get(reverse("dashboard-history")).content.decode()


def sids(client, **query):
    """The call SIDs the history page lists for this query."""
    page = client.get(reverse("dashboard-history"), query).content.decode()
    return {sid for sid in page.split('"') if sid.startswith("/dashboard/calls/CA")}


def test_history_searches_numbers_sids_and_transcripts(client, staff_user, make_call):
    by_number = make_call(from_number="+821099998888", status="completed")
    by_text = make_call(status="completed")
    Utterance.objects.create(call=by_text, speaker=Speaker.CALLER, text="환불 받고 싶어요")
    other = make_call(status="completed")
    client.force_login(staff_user)
    url = lambda call: f"/dashboard/calls/{call.call_sid}/"  # noqa: E731
    assert sids(client, q="8888") == {url(by_number)}  # last four digits (masked viewer)
    assert sids(client, q="환불") == {url(by_text)}
    assert sids(client, q=other.call_sid) == {url(other)}


def test_history_filters_by_status_end_reason_profile_and_date(client, staff_user, make_call):
    transferred = make_call(status="completed", end_reason="transferred")
    failed = make_call(status="failed", end_reason="error")
    old = make_call(status="completed", started_at=timezone.now() - dt.timedelta(days=10))
    client.force_login(staff_user)
    url = lambda call: f"/dashboard/calls/{call.call_sid}/"  # noqa: E731
    assert sids(client, status="failed") == {url(failed)}
    assert sids(client, end_reason="transferred") == {url(transferred)}
    assert sids(client, profile=transferred.profile_id) >= {url(transferred), url(failed)}
    ten_days_ago = timezone.localdate() - dt.timedelta(days=10)
    assert sids(client, date_from=ten_days_ago, date_to=ten_days_ago) == {url(old)}


def test_history_pages_with_a_cursor_and_no_count(client, staff_user, make_call):
    start = timezone.now()
    calls = [
        make_call(status="completed", started_at=start - dt.timedelta(minutes=i)) for i in range(5)
    ]
    client.force_login(staff_user)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("dashboard-history"), {"limit": 2})
    assert not [q for q in queries if "COUNT(" in q["sql"].upper() and "calls_call" in q["sql"]]
    seen = []
    query = {"limit": 2}
    while True:
        response = client.get(reverse("dashboard-history"), query)
        seen += [call.call_sid for call, _ in response.context["rows"]]
        if not response.context["next_query"]:
            break
        query = dict(pair.split("=") for pair in response.context["next_query"].split("&"))
    assert seen == [call.call_sid for call in calls]


def test_a_tampered_cursor_shows_the_first_page(client, staff_user, make_call):
    make_call(status="completed")
    client.force_login(staff_user)
    response = client.get(reverse("dashboard-history"), {"cursor": "not-a-cursor"})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 1


def test_an_ended_call_page_shows_the_stored_record(client, controller, make_call):
    call = make_call(
        status="completed",
        end_reason="supervisor_hangup",
        config={"prompt_version_number": 3, "vad": {"silence_duration_ms": 700}},
    )
    Utterance.objects.create(call=call, speaker=Speaker.CALLER, text="배송 조회요", started_ms=100)
    Utterance.objects.create(
        call=call,
        speaker=Speaker.AGENT,
        text="주문번호를 말씀해 주시겠어요?",
        heard_text="주문번호를",
        interrupted=True,
        latency_ms=640,
        started_ms=900,
    )
    CallEvent.objects.create(call=call, kind="dtmf", offset_ms=1500, data={"digit": "0"})
    client.force_login(controller)
    page = client.get(reverse("dashboard-call", args=[call.call_sid])).content.decode()
    assert "배송 조회요" in page
    assert "주문번호를 말씀해 주시겠어요?" in page and "주문번호를</span>" in page
    assert "640 ms" in page
    assert "v3" in page and "silence_duration_ms=700" in page
    assert '"kind": "dtmf"' in page  # the timeline script renders it, as on a live call
    assert 'data-live="0"' in page  # nothing live to stream
    assert 'data-action="hangup"' not in page  # no actions on an ended call


def test_a_live_call_page_streams_and_offers_actions_to_controllers(
    client, controller, staff_user, make_call
):
    call = make_call()
    url = reverse("dashboard-call", args=[call.call_sid])
    client.force_login(controller)
    page = client.get(url).content.decode()
    assert "call_page.js" in page and 'data-action="hangup"' in page
    client.force_login(staff_user)
    page = client.get(url).content.decode()
    assert "call_page.js" in page and 'data-action="hangup"' not in page


def test_an_unknown_call_is_404(client, staff_user):
    client.force_login(staff_user)
    assert client.get(reverse("dashboard-call", args=["CAmissing"])).status_code == 404
