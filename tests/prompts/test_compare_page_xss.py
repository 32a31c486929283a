"""A profile name is text on the compare page; pages carry a policy that runs no inline script."""

import re

import pytest
from django.urls import reverse

from prompts import services

pytestmark = pytest.mark.django_db

PAYLOAD = "<img src=x onerror=alert(document.cookie)>"


def script_sources(policy: str) -> str:
    """The script-src directive of a Content-Security-Policy header."""
    return next(part for part in policy.split(";") if part.strip().startswith("script-src"))


def test_a_profile_named_like_html_shows_as_text_under_a_no_inline_script_policy(
    client, superuser, default_profile
):
    default_profile.name = PAYLOAD
    default_profile.save()
    first = services.save_prompt_version(default_profile, instructions="하나", greeting="g1")
    second = services.save_prompt_version(default_profile, instructions="둘", greeting="g2")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:prompts_promptversion_changelist"),
        {"action": "compare_two", "_selected_action": [first.pk, second.pk]},
    )
    page = response.content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(document.cookie)&gt;" in page
    policy = response["Content-Security-Policy"]
    assert script_sources(policy).split() == ["script-src", "'self'"]


PAGES = [
    "/admin/",
    "/admin/calls/call/",
    "/admin/prompts/promptversion/",
    "/dashboard/",
    "/dashboard/calls/",
]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


@pytest.mark.parametrize("path", PAGES)
def test_admin_and_dashboard_pages_have_the_policy_and_no_inline_script(client, superuser, path):
    client.force_login(superuser)
    response = client.get(path)
    page = response.content.decode()
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert not INLINE_SCRIPT.search(page) and not INLINE_HANDLER.search(page)
