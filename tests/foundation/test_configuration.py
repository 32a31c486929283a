"""Start-up configuration: bad values stop the server with a message naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from arsproject.env import EnvReader

ROOT = Path(__file__).resolve().parents[2]
STRONG_SECRET_KEY = "k7Qz-2mW9vR4pXc8LhT1sN6yB3dF0gJ5aE_uK8oV2iM7wS4qZ9xC"
PRINT_SETTING = "import django; from django.conf import settings; django.setup(); print({expr})"


def start_settings(env_overrides: dict, expr: str = "'started'", module="arsproject.settings"):
    """Import the settings in a fresh interpreter with the given environment."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "REDIS_URL", "ENVIRONMENT", "SECRET_KEY", "DEBUG"))
    }
    env.update({"DJANGO_SETTINGS_MODULE": module, "ARS_DOTENV_PATH": "/nonexistent/.env"})
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTING.format(expr=expr)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MAX_RETRY_COUNT", "abc"),
        ("DATABASE_URL", "not-a-url"),
        ("DATABASE_URL", "mysql://db/ars"),
        ("REDIS_URL", "http://localhost:6379"),
        ("PORT", "99999"),
        ("DEBUG", "maybe"),
        ("APP_PUBLIC_BASE_URL", "example.com"),
        ("TWILIO_STREAM_ENDPOINT", "https://example.com/twilio/stream"),
        ("OPENAI_AUDIO_FORMAT", "mp3"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(name, value):
    result = start_settings({name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"invalid {name}" in result.stderr


def test_production_refuses_debug():
    result = start_settings({"ENVIRONMENT": "production", "DEBUG": "true", "SECRET_KEY": "x" * 50})
    assert result.returncode != 0
    assert "invalid DEBUG" in result.stderr


@pytest.mark.parametrize("secret", [None, "django-insecure-ars-local-development-only"])
def test_production_refuses_a_missing_or_default_secret_key(secret):
    overrides = {"ENVIRONMENT": "production"}
    if secret:
        overrides["SECRET_KEY"] = secret
    result = start_settings(overrides)
    assert result.returncode != 0
    assert "invalid SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = start_settings({"ENVIRONMENT": "production", "SECRET_KEY": STRONG_SECRET_KEY})
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_embedded_defaults_are_sqlite_and_the_in_memory_layer():
    expr = "settings.DATABASES['default']['ENGINE'], settings.CHANNEL_LAYERS['default']['BACKEND']"
    result = start_settings({}, expr=expr)
    assert result.returncode == 0, result.stderr
    assert "sqlite3" in result.stdout
    assert "InMemoryChannelLayer" in result.stdout


def test_redis_url_switches_to_channels_redis():
    expr = "settings.CHANNEL_LAYERS['default']['BACKEND']"
    result = start_settings({"REDIS_URL": "redis://127.0.0.1:6379/3"}, expr=expr)
    assert result.returncode == 0, result.stderr
    assert "channels_redis.pubsub.RedisPubSubChannelLayer" in result.stdout


def test_the_server_reads_dot_env_but_the_tests_never_do(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("MAX_RETRY_COUNT=7\nTWILIO_AUTH_TOKEN=developer-secret\n")
    expr = "(settings.MAX_RETRY_COUNT, settings.TWILIO_AUTH_TOKEN)"
    env = {"ARS_DOTENV_PATH": str(dotenv)}
    env_no_leak = {**env, "ARS_SKIP_DOTENV": "0"}
    server = start_settings(env_no_leak, expr=expr)
    tests = start_settings(env_no_leak, expr=expr, module="arsproject.test_settings")
    assert server.returncode == 0 and tests.returncode == 0, server.stderr + tests.stderr
    assert "(7, 'developer-secret')" in server.stdout
    assert "(3, 'test-twilio-auth-token')" in tests.stdout


def test_the_error_never_echoes_a_secret_value():
    reader = EnvReader({"MAX_RETRY_COUNT": "abc", "PORT": "0"})
    with pytest.raises(ImproperlyConfigured, match="MAX_RETRY_COUNT"):
        reader.int("MAX_RETRY_COUNT", 3)
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        reader.int("PORT", 8080, minimum=1)
    reader = EnvReader({"DATABASE_URL": "postgres://user:hunter2@/"})
    with pytest.raises(ImproperlyConfigured) as error:
        reader.database("DATABASE_URL", Path("/tmp/x.sqlite3"))
    assert "hunter2" not in str(error.value)


def test_database_url_parses_postgres():
    reader = EnvReader({"DATABASE_URL": "postgres://ars:pw@db.internal:5432/ars"})
    config = reader.database("DATABASE_URL", Path("/tmp/x.sqlite3"))
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["NAME"], config["PORT"]) == ("db.internal", "ars", 5432)
