"""Whatever dates or cursor the history filters get, the answer is a form error, never a 500."""

import base64

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

dates = st.dates().map(lambda day: day.isoformat()) | st.text(alphabet="0123456789-", max_size=12)
cursors = st.tuples(
    st.datetimes(timezones=st.timezones()).map(lambda when: when.isoformat()),
    st.integers(-(2**70), 2**70),
).map(lambda parts: base64.urlsafe_b64encode(f"{parts[0]}|{parts[1]}".encode()).decode())


@hypothesis_settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(date_from=dates, date_to=dates, cursor=st.none() | cursors)
@example(date_from="", date_to="9999-12-31", cursor=None)
@example(date_from="0001-01-01", date_to="", cursor=None)
def test_out_of_range_dates_are_a_form_error_on_the_api_and_the_page(
    client, staff_user, date_from, date_to, cursor
):
    query = {"date_from": date_from, "date_to": date_to}
    if cursor:
        query["cursor"] = cursor
    client.force_login(staff_user)
    api = client.get(reverse("api-calls"), query)
    assert api.status_code in (200, 400)
    if api.status_code == 400:
        assert api.json()["error"] == "invalid_filters"
    page = client.get(reverse("dashboard-history"), query)
    assert page.status_code == 200
    if api.status_code == 400:
        assert 'class="errors"' in page.content.decode()


def test_date_to_9999_12_31_names_the_field_in_the_json_error(client, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("api-calls"), {"date_to": "9999-12-31"})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["date_to"]
