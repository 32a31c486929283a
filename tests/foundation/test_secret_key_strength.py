"""Outside development the signing key must be long, random-looking and not the public default."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import example, given
from hypothesis import strategies as st

from arsproject.env import EnvReader
from tests.foundation.test_configuration import STRONG_SECRET_KEY, start_settings

DEFAULT = "django-insecure-ars-local-development-only"


def strong(key: str) -> bool:
    """The rule: 50+ characters, 5+ different ones, not Django's or our public default."""
    key = key.strip()
    return len(key) >= 50 and len(set(key)) >= 5 and not key.startswith("django-insecure-")


@pytest.mark.parametrize(
    ("environment", "overrides"),
    [
        ("staging", {"DEBUG": "true"}),  # the public default key
        ("staging", {"SECRET_KEY": "x"}),
        ("production", {"SECRET_KEY": "x"}),
        ("production", {"SECRET_KEY": "s" * 64}),
        ("production", {"SECRET_KEY": STRONG_SECRET_KEY[:49]}),
    ],
)
def test_a_weak_or_default_secret_key_stops_staging_and_production(environment, overrides):
    result = start_settings({"ENVIRONMENT": environment, **overrides})
    assert result.returncode != 0
    assert "invalid SECRET_KEY" in result.stderr
    secret = overrides.get("SECRET_KEY", "")
    assert len(secret) < 10 or secret not in result.stderr  # a real key is never echoed


@given(key=st.text(alphabet=st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=80))
@example(key="s" * 64)
@example(key="ab" * 30)
@example(key=DEFAULT + "x" * 40)
@example(key=STRONG_SECRET_KEY)
def test_the_key_rule_holds_for_any_key(key):
    reader = EnvReader({"SECRET_KEY": key})
    assert reader.secret_key("SECRET_KEY", DEFAULT, "development") == (key.strip() or DEFAULT)
    if strong(key):
        assert reader.secret_key("SECRET_KEY", DEFAULT, "production") == key.strip()
    else:
        with pytest.raises(ImproperlyConfigured, match="invalid SECRET_KEY"):
            reader.secret_key("SECRET_KEY", DEFAULT, "production")
