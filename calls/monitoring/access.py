"""Who may open the dashboard, the API and recordings: staff with the right, by session or token.

Being staff only opens the admin's door; watching calls takes `calls.view_call` and listening to
recordings also `calls.listen_recording` (superusers have every right).
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.utils import timezone

from calls.models import ApiToken

VIEW_PERMISSION = "calls.view_call"
LISTEN_PERMISSION = "calls.listen_recording"


def is_staff(user) -> bool:
    """Whether this user is an active staff member (the admin's and /metrics' door)."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def can_watch(user) -> bool:
    """Whether this user may watch calls: active staff with `calls.view_call`."""
    return is_staff(user) and user.has_perm(VIEW_PERMISSION)


def can_listen(user) -> bool:
    """Whether this user may play recordings: a watcher with `calls.listen_recording`."""
    return can_watch(user) and user.has_perm(LISTEN_PERMISSION)


def login_and(check):
    """A view decorator: anonymous users go to the login page, those failing `check` get 403."""

    def decorator(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return guarded

    return decorator


watcher_required = login_and(can_watch)
listener_required = login_and(can_listen)


def token_user(request):
    """The user behind an `Authorization: Bearer <token>` header, or None."""
    scheme, _, raw_token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw_token.strip():
        return None
    token_hash = ApiToken.hash_token(raw_token.strip())
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=token_hash, is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


def api_watcher_required(view):
    """Let in a watcher's session or API token; answer 401/403 as JSON otherwise."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        user = request.user if request.user.is_authenticated else token_user(request)
        if user is None:
            return JsonResponse({"error": "authentication_required"}, status=401)
        if not can_watch(user):
            return JsonResponse({"error": "forbidden"}, status=403)
        request.api_user = user
        return view(request, *args, **kwargs)

    return guarded
