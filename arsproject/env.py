"""Typed environment readers that fail loudly, naming the variable that is wrong."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
DATABASE_SCHEMES = {"postgres", "postgresql", "pgsql", "sqlite"}
REDIS_SCHEMES = {"redis", "rediss", "unix"}
# Django's own bar for a key that signs sessions (check security.W009).
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_CHARACTERS = 5


class EnvReader:
    """Reads settings from a mapping (the process environment by default) with strict parsing."""

    def __init__(self, source: Mapping[str, str] | None = None):
        self.source = os.environ if source is None else source

    def fail(self, name: str, problem: str) -> ImproperlyConfigured:
        """Build the start-up error for one variable; the value itself is never echoed (secrets)."""
        return ImproperlyConfigured(f"환경 변수 {name} 설정 오류 / invalid {name}: {problem}")

    def raw(self, name: str) -> str | None:
        """Return the stripped value, or None when the variable is unset or empty."""
        value = self.source.get(name)
        if value is None or value.strip() == "":
            return None
        return value.strip()

    def str(self, name: str, default: str = "") -> str:
        """Return a string value or the default."""
        value = self.raw(name)
        return default if value is None else value

    def bool(self, name: str, default: bool) -> bool:
        """Parse true/false, yes/no, on/off, 1/0."""
        value = self.raw(name)
        if value is None:
            return default
        word = value.lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise self.fail(name, "expected true or false")

    def int(self, name: str, default: int, minimum: int | None = None, maximum: int | None = None):
        """Parse an integer and check its range."""
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise self.fail(name, f"expected an integer, got {value!r}") from None
        if minimum is not None and number < minimum:
            raise self.fail(name, f"must be at least {minimum}, got {number}")
        if maximum is not None and number > maximum:
            raise self.fail(name, f"must be at most {maximum}, got {number}")
        return number

    def float(self, name: str, default: float, minimum: float | None = None) -> float:
        """Parse a decimal number and check its lower bound."""
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            raise self.fail(name, f"expected a number, got {value!r}") from None
        if minimum is not None and number < minimum:
            raise self.fail(name, f"must be at least {minimum}, got {number}")
        return number

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        """Return one of a fixed set of words."""
        value = self.str(name, default).lower()
        if value not in choices:
            raise self.fail(name, f"expected one of {', '.join(choices)}, got {value!r}")
        return value

    def list(self, name: str, default: list[str]) -> list[str]:
        """Parse a comma-separated list."""
        value = self.raw(name)
        if value is None:
            return list(default)
        return [item.strip() for item in value.split(",") if item.strip()]

    def url(self, name: str, default: str, schemes: set[str]) -> str:
        """Return a URL whose scheme is allowed and which names a host, without a trailing slash."""
        value = self.str(name, default)
        if not value:
            return ""
        parts = urlsplit(value)
        if parts.scheme not in schemes or not parts.netloc:
            allowed = ", ".join(sorted(schemes))
            raise self.fail(name, f"expected an absolute URL starting with {allowed}")
        return value.rstrip("/")

    def database(self, name: str, default_sqlite_path: Path) -> dict:
        """Parse DATABASE_URL into Django's DATABASES entry; SQLite in the project when unset."""
        value = self.raw(name)
        if value is None:
            return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(default_sqlite_path)}
        scheme = urlsplit(value).scheme
        if scheme not in DATABASE_SCHEMES:
            raise self.fail(name, "expected postgres://USER@HOST:PORT/NAME or sqlite:///PATH")
        config = environ.Env.db_url_config(value)
        if not config.get("NAME"):
            raise self.fail(name, "the URL names no database")
        if scheme != "sqlite" and not config.get("HOST"):
            raise self.fail(name, "the URL names no host")
        return config

    def secret_key(self, name: str, default: str, environment: str) -> str:
        """The signing key; outside development a long random one, never the public default."""
        value = self.str(name, default)
        if environment == "development":
            return value
        if value == default or value.startswith("django-insecure-"):
            raise self.fail(
                name, f"set a long random value in {environment} (the default is public)"
            )
        if len(value) < MIN_SECRET_KEY_LENGTH or len(set(value)) < MIN_SECRET_KEY_CHARACTERS:
            raise self.fail(
                name,
                f"too weak for {environment}: use at least {MIN_SECRET_KEY_LENGTH} random"
                " characters, e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'",
            )
        return value

    def redis(self, name: str) -> str:
        """Return REDIS_URL when set (redis://, rediss:// or unix://), else an empty string."""
        value = self.raw(name)
        if value is None:
            return ""
        parts = urlsplit(value)
        if parts.scheme not in REDIS_SCHEMES or not (parts.netloc or parts.path):
            raise self.fail(name, "expected redis://HOST:PORT/DB")
        return value
