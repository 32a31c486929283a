"""The local demo's staff account: created or reset with a fresh random password."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission


def ensure_staff_account(
    username: str,
    password: str | None = None,
    *,
    control: bool = True,
    superuser: bool = False,
    voice: bool = False,
) -> str:
    """Create or reset a staff account (with the call-control right) and return its password.

    voice=True adds the rights to listen to live calls and to take them over.
    """
    password = password or secrets.token_urlsafe(12)
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.is_staff = True
    user.is_active = True
    user.is_superuser = superuser
    user.set_password(password)
    user.save()
    codenames = (["control_call"] if control else []) + (
        ["listen_call", "take_over_call"] if voice else []
    )
    for codename in codenames:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="calls", codename=codename)
        )
    return password
