"""Frame variables sent to Sentry carry no secret, whatever the variable is called.

The events are built as the SDK builds them (local variables included) and passed through our
before_send, without starting the SDK: its thread patches would outlive the test.
"""

import json
import secrets

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from sentry_sdk.consts import DEFAULT_OPTIONS
from sentry_sdk.utils import event_from_exception

from arsproject.observability import Scrubber
from calls.models import ApiToken

pytestmark = pytest.mark.django_db

CLIENT_OPTIONS = {**DEFAULT_OPTIONS, "include_local_variables": True}


def reported(error: BaseException) -> dict:
    """The event Sentry would send for this error, after our scrubber."""
    event, hint = event_from_exception(error, client_options=CLIENT_OPTIONS)
    return Scrubber([settings.TWILIO_AUTH_TOKEN, settings.OPENAI_API_KEY])(event, hint)


def token_table_down(execute, sql, params, many, context):
    """A database that fails every query on the API token table."""
    if "calls_apitoken" in sql:
        raise OperationalError("server closed the connection unexpectedly")
    return execute(sql, params, many, context)


def test_a_database_error_during_token_lookup_does_not_send_the_token(staff_user):
    token = ApiToken(name="CRM", user=staff_user)
    raw = token.issue()
    token.save()
    with connection.execute_wrapper(token_table_down), pytest.raises(OperationalError) as caught:
        Client().get(reverse("api-calls"), HTTP_AUTHORIZATION=f"Bearer {raw}")
    event = reported(caught.value)
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    assert any(frame["function"] == "token_user" and frame.get("vars") for frame in frames)
    assert raw not in json.dumps(event)


def look_up(value):
    """A function whose innocently named argument holds a secret when it fails."""
    raise LookupError("not found")


def test_a_token_shaped_value_in_any_variable_is_filtered():
    value = secrets.token_urlsafe(32)
    call_sid = "CA" + "0123456789abcdef" * 2
    with pytest.raises(LookupError) as caught:
        look_up(value)
    text = json.dumps(reported(caught.value))
    assert value not in text
    assert call_sid in text  # ids stay: they are how we debug
