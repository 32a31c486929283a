"""Who may open the dashboard and the API: staff only, by session or by API token."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.utils import timezone

from calls.models import ApiToken


def is_staff(user) -> bool:
    """Whether this user may watch calls."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def staff_required(view):
    """Send anonymous users to the login page and refuse logged-in non-staff with 403."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded


def token_user(request):
    """The user behind an `Authorization: Bearer <token>` header, or None."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=ApiToken.hash_token(raw.strip()), is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


def api_staff_required(view):
    """Let in a staff session or a staff member's API token; answer 401/403 as JSON otherwise."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        user = request.user if request.user.is_authenticated else token_user(request)
        if user is None:
            return JsonResponse({"error": "authentication_required"}, status=401)
        if not is_staff(user):
            return JsonResponse({"error": "forbidden"}, status=403)
        request.api_user = user
        return view(request, *args, **kwargs)

    return guarded
