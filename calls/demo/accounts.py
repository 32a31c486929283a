"""The local demo's staff account: created or reset with a fresh random password."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q

# What the demo's tour opens in the admin: prompts, VAD, tools and the call log (read-only),
# wallboard thresholds; never users, groups or API tokens.
TOUR_PERMISSIONS = (
    Q(content_type__app_label="prompts") & ~Q(codename__startswith="delete_")
    | Q(content_type__app_label="calls", codename__in=("view_call", "view_utterance"))
    | Q(content_type__app_label="calls", codename__in=("view_callevent", "view_kpithreshold"))
    | Q(content_type__app_label="calls", codename="change_kpithreshold")
)

WATCH_CODENAMES = ("view_call", "listen_recording")


def calls_permissions(*codenames: str) -> list[Permission]:
    """The calls app's permissions with these codenames."""
    return list(Permission.objects.filter(content_type__app_label="calls", codename__in=codenames))


def ensure_staff_account(
    username: str,
    password: str | None = None,
    *,
    control: bool = True,
    superuser: bool = False,
    tour: bool = False,
    voice: bool = False,
) -> str:
    """Create or reset a staff account that may watch calls and play recordings (and, with
    `control`, hang up, transfer and coach); return its password.

    `tour` also lets it open the admin pages the demo shows (prompts, VAD, tools, call log);
    `voice` adds the rights to listen to live calls and to take them over.
    """
    password = password or secrets.token_urlsafe(12)
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.is_staff = True
    user.is_active = True
    user.is_superuser = superuser
    user.set_password(password)
    user.save()
    codenames = WATCH_CODENAMES + (("control_call",) if control else ())
    codenames += ("listen_call", "take_over_call") if voice else ()
    user.user_permissions.add(*calls_permissions(*codenames))
    if tour:
        user.user_permissions.add(*Permission.objects.filter(TOUR_PERMISSIONS))
    return password
