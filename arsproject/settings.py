"""Django settings for ARS AI Voice, read from the environment (see .env.example)."""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from arsproject.channel_layers import channel_layers
from arsproject.env import EnvReader
from arsproject.prices import PRICES_TAKEN_ON, price_table

BASE_DIR = Path(__file__).resolve().parent.parent

# A developer's .env is read for the server, never for the tests (test_settings sets the flag).
DOTENV_PATH = Path(os.environ.get("ARS_DOTENV_PATH", BASE_DIR / ".env"))
if os.environ.get("ARS_SKIP_DOTENV") != "1" and DOTENV_PATH.exists():
    environ.Env.read_env(DOTENV_PATH, overwrite=False)

env = EnvReader()

DEFAULT_SECRET_KEY = "django-insecure-ars-local-development-only"
ENVIRONMENT = env.choice("ENVIRONMENT", "development", ("development", "staging", "production"))
IS_PRODUCTION = ENVIRONMENT == "production"
DEBUG = env.bool("DEBUG", False)
PORT = env.int("PORT", 8080, minimum=1, maximum=65535)

if IS_PRODUCTION and DEBUG:
    raise ImproperlyConfigured(
        "환경 변수 DEBUG 설정 오류 / invalid DEBUG: must be false in production"
    )
SECRET_KEY = env.secret_key("SECRET_KEY", DEFAULT_SECRET_KEY, ENVIRONMENT)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", [])

# --- Twilio (names kept from the original service) ---
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN")
TWILIO_API_KEY_SID = env.str("TWILIO_API_KEY_SID")
TWILIO_API_KEY_SECRET = env.str("TWILIO_API_KEY_SECRET")
APP_PUBLIC_BASE_URL = env.url("APP_PUBLIC_BASE_URL", f"http://localhost:{PORT}", {"http", "https"})
TWILIO_STREAM_ENDPOINT = env.url(
    "TWILIO_STREAM_ENDPOINT", f"ws://localhost:{PORT}/twilio/stream", {"ws", "wss"}
)
HUMAN_AGENT_NUMBER = env.str("HUMAN_AGENT_NUMBER")

# --- Business tools: the only hosts the agent's HTTP tools may call ---
TOOL_ALLOWED_HOSTS = env.list("TOOL_ALLOWED_HOSTS", [])

# --- OpenAI Realtime ---
OPENAI_API_KEY = env.str("OPENAI_API_KEY")
OPENAI_REALTIME_URL = env.url(
    "OPENAI_REALTIME_URL", "wss://api.openai.com/v1/realtime", {"ws", "wss"}
)
# The default for profiles that leave their model empty (gpt-realtime shuts down 2027-01-20).
OPENAI_REALTIME_MODEL = env.str("OPENAI_REALTIME_MODEL", "gpt-realtime-2.1")
OPENAI_RESPONSE_VOICE = env.choice(
    "OPENAI_RESPONSE_VOICE",
    "alloy",
    ("alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar"),
)
OPENAI_AUDIO_FORMAT = env.choice("OPENAI_AUDIO_FORMAT", "pcmu", ("pcmu", "pcm16"))
# The original service's OPENAI_RESPONSE_FORMAT (wav) has no meaning for a phone line: Twilio
# plays only headerless mu-law. It is read so a copied .env does not fail, and a system check
# warns that it is ignored.
OPENAI_RESPONSE_FORMAT = env.str("OPENAI_RESPONSE_FORMAT")
OPENAI_PRICE_CURRENCY = env.choice("OPENAI_PRICE_CURRENCY", "usd", ("usd", "krw", "eur")).upper()
OPENAI_PRICES = price_table("OPENAI_PRICES", env.str("OPENAI_PRICES"))
OPENAI_PRICES_TAKEN_ON = env.str("OPENAI_PRICES_TAKEN_ON", PRICES_TAKEN_ON)
MAX_RETRY_COUNT = env.int("MAX_RETRY_COUNT", 3, minimum=0, maximum=20)

# --- Operations ---
LOG_LEVEL = env.choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error")).upper()
LOG_FILE = env.str("LOG_FILE")
SENTRY_DSN = env.str("SENTRY_DSN")
SHUTDOWN_GRACE_SECONDS = env.int("SHUTDOWN_GRACE_SECONDS", 30, minimum=0, maximum=3600)
# A full garbage collection and malloc trim this often keeps memory flat (arsproject/memory_upkeep).
MEMORY_UPKEEP_SECONDS = env.int("MEMORY_UPKEEP_SECONDS", 30, minimum=0, maximum=3600)
RECORDINGS_DIR = Path(env.str("RECORDINGS_DIR", str(BASE_DIR / "recordings")))
# The access log must be kept at least a year (개인정보의 안전성 확보조치 기준); default two.
ACCESS_LOG_RETENTION_DAYS = env.int("ACCESS_LOG_RETENTION_DAYS", 730, minimum=365, maximum=3650)
# A media stream must send a verified `start` this soon after the upgrade, and within
# STREAM_TOKEN_SECONDS of its webhook; a process holds at most MAX_UNVERIFIED_STREAMS streams
# that have not (beyond that, the early OpenAI connect waits for `start`).
STREAM_START_SECONDS = env.int("STREAM_START_SECONDS", 5, minimum=1, maximum=60)
STREAM_TOKEN_SECONDS = env.int("STREAM_TOKEN_SECONDS", 60, minimum=5, maximum=3600)
MAX_UNVERIFIED_STREAMS = env.int("MAX_UNVERIFIED_STREAMS", 20, minimum=0, maximum=10000)
# How often a process marks its live calls as its own and finalises calls of processes gone.
CALL_OWNER_HEARTBEAT_SECONDS = env.int("CALL_OWNER_HEARTBEAT_SECONDS", 30, minimum=1, maximum=600)
# daphne: a connection must finish its request headers this soon; idle HTTP connections close.
HTTP_HEADER_TIMEOUT_SECONDS = env.int("HTTP_HEADER_TIMEOUT_SECONDS", 10, minimum=1, maximum=300)
HTTP_IDLE_TIMEOUT_SECONDS = env.int("HTTP_IDLE_TIMEOUT_SECONDS", 30, minimum=1, maximum=3600)
# A client that stops reading is disconnected once this much output waits for it.
SEND_BUFFER_LIMIT_BYTES = env.int(
    "SEND_BUFFER_LIMIT_BYTES", 4 * 1024 * 1024, minimum=64 * 1024, maximum=1024**3
)
# The agent's greeting audio per prompt version, voice and model, played at once on later
# calls ("off": always ask the model).
_greetings = env.str("GREETING_CACHE_DIR", str(BASE_DIR / "greetings"))
GREETING_CACHE_DIR = "" if _greetings.lower() == "off" else _greetings

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "prompts",
    "calls",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "arsproject.content_security.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "arsproject.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = None
ASGI_APPLICATION = "arsproject.asgi.application"

DATABASES = {"default": env.database("DATABASE_URL", BASE_DIR / "db.sqlite3")}
DATABASES["default"].setdefault("CONN_MAX_AGE", 0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Calls write from several threads at once: take the write lock up front (no failed lock
    # upgrades), wait for it instead of failing, and let readers work beside the writer (WAL).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.redis("REDIS_URL")
CHANNEL_LAYERS = channel_layers(REDIS_URL)
# The cache holds login-failure counts (arsproject/login_throttle): shared through Redis when
# several processes serve the admin, per process otherwise.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", "한국어"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
LOGIN_URL = "/admin/login/"

SESSION_COOKIE_SECURE = IS_PRODUCTION
CSRF_COOKIE_SECURE = IS_PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "call_sid": {"()": "calls.operations.log_context.CallSidFilter"},
        "personal_data": {"()": "calls.compliance.log_redaction.RedactingFilter"},
        # No secret at any level (the websockets client logs its headers at debug).
        "redact": {
            "()": "arsproject.log_redaction.SecretRedactingFilter",
            "secrets": [TWILIO_AUTH_TOKEN, TWILIO_API_KEY_SECRET, OPENAI_API_KEY, SECRET_KEY],
        },
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(call_sid)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",  # stdout by default; the supervisor collects it
            "formatter": "plain",
            "filters": ["call_sid", "redact", "personal_data"],
        },
        **(
            {
                "file": {
                    "class": "logging.handlers.WatchedFileHandler",
                    "filename": LOG_FILE,
                    "formatter": "plain",
                    "filters": ["call_sid", "redact", "personal_data"],
                }
            }
            if LOG_FILE
            else {}
        ),
    },
    "root": {"handlers": ["file"] if LOG_FILE else ["console"], "level": LOG_LEVEL},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}

if SENTRY_DSN:
    from arsproject.observability import init_sentry

    init_sentry(
        SENTRY_DSN,
        ENVIRONMENT,
        secrets=(TWILIO_AUTH_TOKEN, TWILIO_API_KEY_SECRET, OPENAI_API_KEY, SECRET_KEY),
    )

# The KPI latency index covers latency_ms on PostgreSQL; SQLite (the embedded default) ignores the
# extra column and says so at every start. Nothing to act on there.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
