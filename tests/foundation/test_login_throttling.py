"""Wrong passwords are throttled per account and per address, with a Korean message."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOCKED = "로그인 시도가 너무 많습니다"
ACCOUNT_LIMIT = 5  # wrong passwords for one account (README: 로그인 보호)
ADDRESS_LIMIT = 20  # wrong passwords from one address


def log_in(client, username, password, address="203.0.113.7"):
    """Post the admin login form (the dashboard's login page) from an address behind nginx."""
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/dashboard/"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=f"10.9.9.9, {address}",  # the client's own entry comes first
        HTTP_ACCEPT_LANGUAGE="ko",
    )


def test_an_account_is_locked_after_repeated_wrong_passwords_even_with_the_right_one(
    client, staff_user
):
    for _ in range(ACCOUNT_LIMIT):
        assert LOCKED not in log_in(client, "supervisor", "wrong").content.decode()
    page = log_in(client, "supervisor", "pw-supervisor-1", address="198.51.100.1")
    assert page.status_code == 200 and LOCKED in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_address_is_locked_after_wrong_passwords_for_many_accounts(client, staff_user):
    for n in range(ADDRESS_LIMIT):
        log_in(client, f"guess{n}", "wrong")
    assert LOCKED in log_in(client, "supervisor", "pw-supervisor-1").content.decode()
    other_address = log_in(client, "supervisor", "pw-supervisor-1", address="198.51.100.2")
    assert other_address.status_code == 302  # logged in from elsewhere
