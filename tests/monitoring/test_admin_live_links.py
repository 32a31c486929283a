"""The admin links to the wallboard, marks live calls, streams their transcript, issues tokens."""

import pytest
from django.urls import reverse

from calls.models import ApiToken

pytestmark = pytest.mark.django_db


def test_the_admin_index_links_to_the_wallboard(client, superuser):
    client.force_login(superuser)
    page = client.get(reverse("admin:index")).content.decode()
    assert f'href="{reverse("dashboard-wallboard")}"' in page


def test_the_call_list_marks_live_calls_and_links_to_their_live_page(client, superuser, make_call):
    live = make_call()
    ended = make_call(status="completed")
    client.force_login(superuser)
    page = client.get(reverse("admin:calls_call_changelist")).content.decode()
    assert f'class="live-call" href="/dashboard/calls/{live.call_sid}/"' in page
    assert f'href="/dashboard/calls/{ended.call_sid}/"' not in page


def test_a_live_calls_admin_page_streams_its_transcript(client, superuser, make_call):
    live = make_call()
    client.force_login(superuser)
    page = client.get(reverse("admin:calls_call_change", args=[live.pk])).content.decode()
    assert "dashboard/call_admin.js" in page
    assert f'data-call-sid="{live.call_sid}"' in page
    assert 'id="labels"' in page


def test_an_ended_calls_admin_page_has_no_live_transcript(client, superuser, make_call):
    ended = make_call(status="completed")
    client.force_login(superuser)
    page = client.get(reverse("admin:calls_call_change", args=[ended.pk])).content.decode()
    assert "call_admin.js" not in page


def test_adding_a_token_in_the_admin_shows_its_secret_once(client, superuser, staff_user):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:calls_apitoken_add"),
        {"name": "CRM", "user": staff_user.pk, "is_active": "on"},
        follow=True,
    )
    token = ApiToken.objects.get(name="CRM")
    [message] = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    secret = message.rsplit(" ", 1)[-1]
    assert ApiToken.hash_token(secret) == token.token_hash
    assert secret.startswith(token.prefix)
