"""A model retired or retiring within 30 days is a start-up warning and a /healthz warning."""

import pytest
from channels.db import database_sync_to_async
from django.core import checks

from calls.operations.checks import model_retirement_check
from prompts.models import AgentProfile


def retirement_warnings() -> list[checks.CheckMessage]:
    """What the registered system checks say about models."""
    return [message for message in checks.run_checks() if message.id == "calls.W004"]


@pytest.mark.django_db
def test_the_default_model_retiring_in_30_days_is_a_startup_warning(today, settings):
    today(2026, 12, 21)  # gpt-realtime shuts down 2027-01-20
    settings.OPENAI_REALTIME_MODEL = "gpt-realtime"
    [warning] = retirement_warnings()
    assert warning.level == checks.WARNING
    assert "gpt-realtime shuts down on 2027-01-20 (in 30 days)" in warning.msg
    assert "OPENAI_REALTIME_MODEL" in warning.msg


@pytest.mark.django_db
def test_a_model_31_days_away_is_not_yet_a_warning(today, settings):
    today(2026, 12, 20)
    settings.OPENAI_REALTIME_MODEL = "gpt-realtime"
    assert retirement_warnings() == []


@pytest.mark.django_db
def test_a_profile_transcription_model_past_its_date_is_named(today, default_profile):
    today(2027, 3, 1)
    AgentProfile.objects.filter(pk=default_profile.pk).update(
        transcription_model="gpt-4o-transcribe"
    )
    [warning] = model_retirement_check(None)
    assert "transcription model gpt-4o-transcribe was shut down on 2027-02-26" in warning.msg
    assert f"profile {default_profile.name}" in warning.msg


@pytest.mark.django_db
def test_the_new_defaults_raise_no_warning(today, default_profile):
    today(2027, 6, 1)
    assert model_retirement_check(None) == []


def test_without_a_database_the_default_model_is_still_checked(today, settings):
    today(2027, 1, 10)
    settings.OPENAI_REALTIME_MODEL = "gpt-realtime"
    [warning] = model_retirement_check(None)  # no django_db mark: profile queries are refused
    assert "gpt-realtime" in warning.msg


@pytest.mark.django_db(transaction=True)
async def test_healthz_reports_a_retiring_model_as_a_warning_not_a_failure(
    async_client, today, default_profile
):
    today(2027, 2, 10)
    await database_sync_to_async(
        lambda: AgentProfile.objects.filter(pk=default_profile.pk).update(
            realtime_model="gpt-realtime-mini"
        )
    )()
    response = await async_client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    [warning] = body["warnings"]
    assert "realtime model gpt-realtime-mini was shut down on 2027-01-20" in warning


@pytest.mark.django_db(transaction=True)
async def test_healthz_has_no_warnings_on_the_new_defaults(async_client, today, default_profile):
    today(2027, 2, 10)
    response = await async_client.get("/healthz")
    assert response.json()["warnings"] == []
