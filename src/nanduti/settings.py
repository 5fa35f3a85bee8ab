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
        # Seconds a writer waits for another's transaction (an import's processes take
        # turns, a chunk each) before "database is locked"; the driver's default is 5.
        "timeout": 60,
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
    "nanduti.figures",
    "nanduti.web",
    "nanduti.api",
    "nanduti.demo",
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


LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Español")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "America/Asuncion"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
LOGIN_URL = "/cuenta/entrar/"
# Each role lands on its own page (nanduti.web.menu).
LOGIN_REDIRECT_URL = "/entrada/"
LOGOUT_REDIRECT_URL = "/"

# Disclosure control defaults (stats); overridable from the environment.
NANDUTI_SUPPRESSION_THRESHOLD = int(os.environ.get("NANDUTI_SUPPRESSION_THRESHOLD", "5"))
NANDUTI_DP_EPSILON_BUDGET = float(os.environ.get("NANDUTI_DP_EPSILON_BUDGET", "10.0"))
# Seconds a differentially private release waits for another release from the same budget
# on PostgreSQL before it is refused (SQLite's wait is the connection's ``timeout``).
NANDUTI_DP_LOCK_WAIT_SECONDS = float(os.environ.get("NANDUTI_DP_LOCK_WAIT_SECONDS", "60"))

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
# How the statistics snapshot and summary are rebuilt after a change, never inside a
# request: "job" (queued for `nanduti worker`, which `nanduti serve` starts), "thread" (a
# background thread of the serving process) or "off" (left to `nanduti rebuild-summaries`,
# e.g. `--watch 30` as its own process or from cron).
NANDUTI_SUMMARY_REBUILD = os.environ.get("NANDUTI_SUMMARY_REBUILD", "job")
if NANDUTI_SUMMARY_REBUILD not in ("job", "thread", "off"):
    raise ImproperlyConfigured("NANDUTI_SUMMARY_REBUILD: job | thread | off")
# Finished background jobs (and their task rows and files) older than this many days are
# deleted by `nanduti prune-jobs` and by every worker when it starts.
NANDUTI_JOBS_KEEP_DAYS = int(os.environ.get("NANDUTI_JOBS_KEEP_DAYS", "30"))
# Counts and tables that pages show, kept until the registry changes (nanduti.registry.
# freshness): in each server process's memory; no shared service to run.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
    # Counters every server process must share (the public form's rate limits and spent
    # proofs of work): in the database, so two gunicorn processes don't each allow the limit.
    "limits": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "nanduti_limits_cache",
    },
}
# Registries up to this many cases are counted live while their summary is stale (exact and
# still fast); larger ones are answered from the last summary, marked with when it was built.
NANDUTI_STATS_LIVE_MAX_CASES = int(os.environ.get("NANDUTI_STATS_LIVE_MAX_CASES", "20000"))
# Threads DuckDB may use for one cross-tab from the statistics snapshot (nanduti.stats.
# snapshot); per server process, so keep it at or below the cores each worker may have.
NANDUTI_STATS_SNAPSHOT_THREADS = int(os.environ.get("NANDUTI_STATS_SNAPSHOT_THREADS", "2"))

# ---------------------------------------------------------------------------------------
# Web and API security (issue 15): content security policy, login and token throttling,
# password rules, second factor, idle sessions. Kept together so other settings can grow
# around them without merge conflicts.
from datetime import timedelta  # noqa: E402

from csp.constants import NONCE, NONE, SELF  # noqa: E402

INSTALLED_APPS += [
    "nanduti.ops.third_party_apps.LoginLockouts",
    "django_otp",
    "nanduti.ops.third_party_apps.SecondFactor",
]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
# After authentication: the second factor's state, idle-session renewal, its enforcement.
_after_auth = MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
MIDDLEWARE[_after_auth:_after_auth] = [
    "django_otp.middleware.OTPMiddleware",
    "nanduti.web.idle_sessions.IdleSessionMiddleware",
    "nanduti.web.two_factor.RequireSecondFactorMiddleware",
]
# Axes last: it turns a locked-out login into its lock-out page.
MIDDLEWARE.append("axes.middleware.AxesMiddleware")

# Scripts only from our own files (or a nonce'd inline block); styles may be inline
# (the charts and print pages carry <style> blocks; CSS runs no code, and with
# default-src 'self' it cannot fetch from or send to another site).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

AUTHENTICATION_BACKENDS = [
    "nanduti.ops.login_throttle.LoginThrottleBackend",
    # Django's ModelBackend, reading the user's membership with the user.
    "nanduti.registry.permissions.MembershipBackend",
]
# After this many failed logins (or wrong API tokens) from one address, or for one user
# name, further attempts are refused for the cool-off time, even with the right password.
AXES_FAILURE_LIMIT = int(os.environ.get("NANDUTI_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("NANDUTI_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "nanduti.ops.login_throttle.lockout_response"
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "nanduti.web.passwords.LocalWordsValidator"},
]

# Sessions end after this long without a page view (nanduti.web.idle_sessions renews
# them), and when the browser closes.
SESSION_COOKIE_AGE = 60 * int(os.environ.get("NANDUTI_SESSION_IDLE_MINUTES", "30"))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

OTP_TOTP_ISSUER = "Ñandutí"

# --- Anonymous public report form (/denunciar/, issue 13) ----------------------------------
# Limits per hour; the sender's address is only hashed (daily key) in the cache, never kept.
INSTALLED_APPS.append("nanduti.public_reports")
# Its uploads stay in memory, bounded (never a temporary file with the picture's metadata).
MIDDLEWARE.append("nanduti.public_reports.uploads.PublicReportUploads")
NANDUTI_REPORT_LIMIT = int(os.environ.get("NANDUTI_REPORT_LIMIT", "5"))
NANDUTI_REPORT_LIMIT_NO_POW = int(os.environ.get("NANDUTI_REPORT_LIMIT_NO_POW", "2"))
NANDUTI_REPORT_LIMIT_NO_POW_ALL = int(os.environ.get("NANDUTI_REPORT_LIMIT_NO_POW_ALL", "30"))
NANDUTI_REPORT_POW_BITS = int(os.environ.get("NANDUTI_REPORT_POW_BITS", "14"))
NANDUTI_REPORT_IMAGE_MAX_BYTES = 5 * 1024 * 1024

# --- Background jobs (issue 13): imports, monitoring, reports, summaries, linkage ----------
# django_tasks (Django 6's tasks framework, backported) with its database backend: the queue
# is a table of this database, on SQLite and PostgreSQL alike; `nanduti worker` runs it.
INSTALLED_APPS += ["django_tasks", "nanduti.ops.third_party_apps.JobQueue", "nanduti.jobs"]
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A running job writes a heartbeat every few seconds; after this long without one its
# worker is taken for dead and the job marked failed.
NANDUTI_JOB_STALE_SECONDS = int(os.environ.get("NANDUTI_JOB_STALE_SECONDS", "60"))
