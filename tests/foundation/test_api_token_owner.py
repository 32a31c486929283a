"""Only a superuser may mint an API token that acts as someone else."""

import pytest
from django.urls import reverse

from calls.models import ApiToken
from tests.conftest import grant

pytestmark = pytest.mark.django_db


def add_token(client, acting_as) -> None:
    client.post(
        reverse("admin:calls_apitoken_add"),
        {"name": "CRM", "user": acting_as.pk, "is_active": "on"},
    )


def test_staff_with_add_apitoken_cannot_mint_a_token_acting_as_the_superuser(
    client, staff_user, superuser
):
    grant(staff_user, "add_apitoken", "view_apitoken")
    client.force_login(staff_user)
    add_token(client, acting_as=superuser)
    assert not ApiToken.objects.filter(user=superuser).exists()
    assert list(ApiToken.objects.values_list("user__username", flat=True)) == ["supervisor"]


def test_a_superuser_may_mint_a_token_for_a_staff_member(client, staff_user, superuser):
    client.force_login(superuser)
    add_token(client, acting_as=staff_user)
    assert list(ApiToken.objects.values_list("user__username", flat=True)) == ["supervisor"]
