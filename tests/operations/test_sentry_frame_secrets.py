"""Frame variables sent to Sentry carry no secret, whatever the variable is called."""

import json
import secrets

import pytest
import sentry_sdk
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from calls.models import ApiToken
from tests.operations.test_sentry import sentry_events  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def token_table_down(execute, sql, params, many, context):
    """A database that fails every query on the API token table."""
    if "calls_apitoken" in sql:
        raise OperationalError("server closed the connection unexpectedly")
    return execute(sql, params, many, context)


def test_a_database_error_during_token_lookup_does_not_send_the_token(
    staff_user,
    sentry_events,  # noqa: F811
):
    token = ApiToken(name="CRM", user=staff_user)
    raw = token.issue()
    token.save()
    client = Client(raise_request_exception=False)
    with connection.execute_wrapper(token_table_down):
        response = client.get(reverse("api-calls"), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 500
    sentry_sdk.flush()
    (event,) = sentry_events.events
    frames = event["exception"]["values"][0]["stacktrace"]["frames"]
    assert any(frame.get("vars") for frame in frames)  # variables are sent, just not secrets
    assert raw not in json.dumps(event)


def look_up(value):
    """A function whose innocently named argument holds a secret when it fails."""
    raise LookupError("not found")


def test_a_token_shaped_value_in_any_variable_is_filtered(sentry_events):  # noqa: F811
    value = secrets.token_urlsafe(32)
    call_sid = "CA" + "0123456789abcdef" * 2
    try:
        look_up(value)
    except LookupError:
        sentry_sdk.capture_exception()
    sentry_sdk.flush()
    (event,) = sentry_events.events
    text = json.dumps(event)
    assert value not in text
    assert call_sid in text  # ids stay: they are how we debug
