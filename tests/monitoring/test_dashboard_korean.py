"""The dashboard speaks Korean by default and falls back to English for English browsers."""

import json

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def labels_of(page: str) -> dict:
    """The translated labels the page hands its scripts."""
    start = page.index('<script id="labels" type="application/json">') + len(
        '<script id="labels" type="application/json">'
    )
    return json.loads(page[start : page.index("</script>", start)])


def test_the_wallboard_is_in_korean(client, staff_user):
    client.force_login(staff_user)
    page = client.get(reverse("dashboard-wallboard"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "상황판" in page and "오늘 통화" in page and "끼어들기" in page
    states = labels_of(page)["states"]
    assert [states[s] for s in ("connecting", "caller_speaking", "agent_speaking", "idle")] == [
        "연결 중",
        "고객 발화 중",
        "상담원 발화 중",
        "대기 중",
    ]


def test_the_call_page_actions_are_in_korean(client, controller, make_call):
    client.force_login(controller)
    url = reverse("dashboard-call", args=[make_call().call_sid])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "통화 끊기" in page and "상담원 연결" in page and "대화록" in page


def test_an_english_browser_gets_english(client, staff_user):
    client.force_login(staff_user)
    page = client.get(reverse("dashboard-wallboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Calls today" in page
    assert labels_of(page)["states"]["caller_speaking"] == "Caller speaking"
