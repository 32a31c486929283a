"""Login throttling: too many failed passwords lock the account and the address for a while.

Counts live in the cache (Redis when REDIS_URL is set, so every daphne process shares them).
The admin's login form, which the dashboard uses too, checks the counts before the password.
Behind nginx every request comes from 127.0.0.1, so the address is the last hop nginx appended
to X-Forwarded-For; a client's own X-Forwarded-For entries come before it and are ignored.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

ACCOUNT_LIMIT = 5  # failed passwords for one account
ADDRESS_LIMIT = 20  # failed passwords from one address, whatever the account
WINDOW_SECONDS = 15 * 60  # counts expire this long after the first failure


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or behind a local nginx its last X-Forwarded-For hop."""
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    try:
        behind_local_proxy = ipaddress.ip_address(remote).is_loopback
    except ValueError:
        behind_local_proxy = False
    if behind_local_proxy and forwarded:
        return forwarded.split(",")[-1].strip()
    return remote


def keys(username: str, address: str) -> tuple[str, str]:
    """The cache keys counting failures for this account and this address."""
    account = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return f"login-failures:account:{account}", f"login-failures:address:{address}"


def is_locked(username: str, address: str) -> bool:
    """Whether this account or this address has used up its failed attempts."""
    account_key, address_key = keys(username, address)
    counts = cache.get_many([account_key, address_key])
    return (
        counts.get(account_key, 0) >= ACCOUNT_LIMIT or counts.get(address_key, 0) >= ADDRESS_LIMIT
    )


def count_failure(username: str, address: str) -> None:
    """Count one failed password against the account and the address."""
    for key in keys(username, address):
        if not cache.add(key, 1, WINDOW_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, WINDOW_SECONDS)
    logger.warning("failed login for %r from %s", username[:150], address)


def clear_account(username: str, address: str) -> None:
    """Forget the account's failures after a successful login (the address keeps its count)."""
    cache.delete(keys(username, address)[0])


class ThrottledLoginForm(AdminAuthenticationForm):
    """The admin login form, refusing (in Korean) an account or address with too many failures."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "too_many_attempts": _("Too many failed login attempts. Try again in %(minutes)d minutes."),
    }

    def clean(self):
        """Check the throttle, then the password; count a wrong password."""
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request) if self.request else ""
        if is_locked(username, address):
            raise forms.ValidationError(
                self.error_messages["too_many_attempts"],
                code="too_many_attempts",
                params={"minutes": WINDOW_SECONDS // 60},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:  # a wrong password, or an account that may not log in
            count_failure(username, address)
            raise
        clear_account(username, address)
        return cleaned
