"""Settings for the test suite: the real settings, minus a developer's .env and secrets."""

import os

# Must be set before the real settings module runs: it decides whether .env is read.
os.environ["ARS_SKIP_DOTENV"] = "1"
os.environ["SENTRY_DSN"] = ""  # a developer's exported DSN must not report test errors

from arsproject.settings import *  # noqa: F403

# Fixed values so a developer's exported credentials never reach a test or a real service.
TWILIO_ACCOUNT_SID = "AC" + "0" * 32
TWILIO_AUTH_TOKEN = "test-twilio-auth-token"
TWILIO_API_KEY_SID = ""
TWILIO_API_KEY_SECRET = ""
OPENAI_API_KEY = "sk-test-key"
OPENAI_REALTIME_URL = "ws://127.0.0.1:9/v1/realtime"
APP_PUBLIC_BASE_URL = "https://ars.example.test"
TWILIO_STREAM_ENDPOINT = "wss://ars.example.test/twilio/stream"
HUMAN_AGENT_NUMBER = "+8215880000"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1", "ars.example.test"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
RECORDINGS_DIR = BASE_DIR / ".test-recordings"  # noqa: F405
GREETING_CACHE_DIR = ""  # tests that play a cached greeting point this at their own folder
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# A task per test's loop would outlive the loop; it is tested on its own and in real daphne.
MEMORY_UPKEEP_SECONDS = 0
# Login-failure counts must not outlive a test (a Redis cache would keep them between runs).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
