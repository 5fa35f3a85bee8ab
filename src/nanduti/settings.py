"""Settings read from the environment.

With no variable set Ñandutí runs as a development install (SQLite file under
``$NANDUTI_HOME``). ``NANDUTI_ENV=production`` switches to production settings, which
refuse to start on development defaults.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
HOME = Path(os.environ.get("NANDUTI_HOME", os.getcwd())).resolve()
if not HOME.is_dir():
    # A folder named for a new install is made, not reported as "unable to open database".
    try:
        HOME.mkdir(parents=True)
    except OSError as error:
        raise ImproperlyConfigured(
            f"NANDUTI_HOME «{HOME}»: no se puede crear la carpeta ({error.strerror}) / "
            f"cannot create the folder ({error.strerror})"
        ) from None
# Raw imported files (content-addressed), quarantined rows, fetched pages.
VAR_DIR = HOME / "var"

PRODUCTION = os.environ.get("NANDUTI_ENV", "development") == "production"
DEV_SECRET_KEY = "development-only-secret-key-do-not-use-in-production-0000000000"
# A Fernet key for development only; production must set NANDUTI_FIELD_KEYS.
DEV_FIELD_KEY = "ZGV2ZWxvcG1lbnQtb25seS1maWVsZC1rZXktMDAwMDA="

SECRET_KEY = os.environ.get("NANDUTI_SECRET_KEY", DEV_SECRET_KEY)
# Newest key first; older keys still decrypt until `nanduti rotate-keys` has run.
FIELD_ENCRYPTION_KEYS = [
    k.strip() for k in os.environ.get("NANDUTI_FIELD_KEYS", DEV_FIELD_KEY).split(",") if k.strip()
]
# The secret the institutions taking part in record linkage share (nanduti.linkage): HMAC
# tokens and Bloom filters are keyed with it. Only its fingerprint is ever stored.
DEV_LINKAGE_KEY = "development-only-linkage-key"
LINKAGE_KEY = os.environ.get("NANDUTI_LINKAGE_KEY", DEV_LINKAGE_KEY)
DEBUG = not PRODUCTION
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get(
        "NANDUTI_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver"
    ).split(",")
    if h.strip()
]

if PRODUCTION:
    problems = []
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        problems.append("NANDUTI_SECRET_KEY (50+ characters)")
    if DEV_FIELD_KEY in FIELD_ENCRYPTION_KEYS:
        problems.append("NANDUTI_FIELD_KEYS (Fernet keys, newest first)")
    if not os.environ.get("DATABASE_URL"):
        problems.append("DATABASE_URL")
    if not ALLOWED_HOSTS:
        problems.append("NANDUTI_ALLOWED_HOSTS")
    if problems:
        raise ImproperlyConfigured(
            "Producción requiere / production requires: " + ", ".join(problems)
        )
    SECURE_SSL_REDIRECT = os.environ.get("NANDUTI_SSL_REDIRECT", "1") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{HOME / 'nanduti.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while an import writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
if os.environ.get("NANDUTI_TEST_DB_NAME"):
    # Lets several test runs share one PostgreSQL server without clashing.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["NANDUTI_TEST_DB_NAME"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "nanduti.taxonomy",
    "nanduti.registry",
    "nanduti.monitoring",
    "nanduti.stats",
    "nanduti.linkage",
    "nanduti.web",
    "nanduti.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "nanduti.web.middleware.SpanishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "nanduti.registry.audit.AuditActorMiddleware",
]

ROOT_URLCONF = "nanduti.urls"
WSGI_APPLICATION = "nanduti.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Español")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "America/Asuncion"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
LOGIN_URL = "/cuenta/entrar/"
LOGIN_REDIRECT_URL = "/casos/"
LOGOUT_REDIRECT_URL = "/"

# Disclosure control defaults (stats); overridable from the environment.
NANDUTI_SUPPRESSION_THRESHOLD = int(os.environ.get("NANDUTI_SUPPRESSION_THRESHOLD", "5"))
NANDUTI_DP_EPSILON_BUDGET = float(os.environ.get("NANDUTI_DP_EPSILON_BUDGET", "10.0"))

# Who the news crawler says it is (its User-Agent names this page for site owners to contact).
NANDUTI_CRAWLER_CONTACT = os.environ.get(
    "NANDUTI_CRAWLER_CONTACT", "https://github.com/nanduti-observatorio/nanduti"
)

# --- Operations: production server, summary rebuilds, backups (issue 15) ---------------------
INSTALLED_APPS.append("nanduti.ops")
# WhiteNoise serves /static/ from STATIC_ROOT (filled by `nanduti serve` / collectstatic).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
# How the statistics summary is rebuilt after a change, never inside a request: "thread" (a
# background thread of the serving process) or "off" (left to `nanduti rebuild-summaries`,
# e.g. `--watch 30` as its own process or from cron).
NANDUTI_SUMMARY_REBUILD = os.environ.get("NANDUTI_SUMMARY_REBUILD", "thread")
if NANDUTI_SUMMARY_REBUILD not in ("thread", "off"):
    raise ImproperlyConfigured("NANDUTI_SUMMARY_REBUILD: thread | off")
# Registries up to this many cases are counted live while their summary is stale (exact and
# still fast); larger ones are answered from the last summary, marked with when it was built.
NANDUTI_STATS_LIVE_MAX_CASES = int(os.environ.get("NANDUTI_STATS_LIVE_MAX_CASES", "20000"))
