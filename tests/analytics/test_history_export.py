"""CSV export of the call history: the page's filters apply, and so does number masking."""

import csv
import io

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[list[str]]:
    """The CSV rows of a streamed export (BOM removed)."""
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def history(make_call):
    """Three finished calls: two about delivery (one resolved), one refund."""
    make_call(
        status="completed", category="배송", resolved=True, sentiment="긍정", summary="배송 안내"
    )
    make_call(status="completed", category="배송", resolved=False, sentiment="부정")
    make_call(status="completed", category="환불", resolved=True, sentiment="중립")


def test_the_export_follows_the_filters_and_masks_numbers(client, staff_user, history):
    client.force_login(staff_user)
    response = client.get(
        reverse("dashboard-history-csv"), {"category": "배송", "resolved": "true"}
    )
    assert response["Content-Type"].startswith("text/csv")
    header, *rows = rows_of(response)
    assert header[:3] == ["시작 시각", "발신 번호", "수신 번호"]
    assert len(rows) == 1
    assert rows[0][1] == "010-****-5678"
    assert (rows[0][7], rows[0][8], rows[0][9], rows[0][12]) == ("배송", "예", "긍정", "배송 안내")


def test_a_superuser_exports_full_numbers(client, superuser, history):
    client.force_login(superuser)
    _, *rows = rows_of(client.get(reverse("dashboard-history-csv")))
    assert len(rows) == 3 and {row[1] for row in rows} == {"+821012345678"}


def test_the_history_page_links_the_export_with_its_filters(client, staff_user, history):
    client.force_login(staff_user)
    page = client.get(reverse("dashboard-history"), {"sentiment": "부정"}).content.decode()
    assert "export.csv?sentiment=%EB%B6%80%EC%A0%95" in page
    assert page.count('class="is-live"') == 0


def test_the_api_lists_and_filters_by_the_summary_fields(client, staff_user, history):
    client.force_login(staff_user)
    body = client.get(reverse("api-calls"), {"sentiment": "중립"}).json()
    [call] = body["results"]
    assert (call["category"], call["resolved"], call["sentiment"]) == ("환불", True, "중립")
    assert "summary" in call and "cost" in call and "cost_currency" in call


def test_anonymous_visitors_cannot_export(client, history):
    assert client.get(reverse("dashboard-history-csv")).status_code == 302
