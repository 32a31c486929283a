"""The admin's call log masks caller numbers for everyone but superusers, as the dashboard does."""

import pytest
from django.urls import reverse

from calls.models import Call
from tests.conftest import grant

pytestmark = pytest.mark.django_db

NUMBER = "+821099998888"


def test_the_admin_masks_caller_numbers_for_staff_with_view_call(client, staff_user, superuser):
    call = Call.objects.create(call_sid="CA" + "a" * 32, from_number=NUMBER, status="completed")
    grant(staff_user, "view_call")
    client.force_login(staff_user)
    changelist = reverse("admin:calls_call_changelist")
    pages = [
        client.get(changelist).content.decode(),
        client.get(reverse("admin:calls_call_change", args=[call.pk])).content.decode(),
    ]
    assert all("010-****-8888" in page and NUMBER not in page for page in pages)
    assert call.call_sid not in client.get(changelist, {"q": "1099998"}).content.decode()
    assert call.call_sid in client.get(changelist, {"q": "8888"}).content.decode()
    client.force_login(superuser)
    assert NUMBER in client.get(changelist, {"q": "1099998"}).content.decode()
