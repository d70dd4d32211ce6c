"""Django settings for the kehu CRM.

Everything that differs between machines comes from the environment:

- ``DATABASE_URL``: any URL dj-database-url understands; default an SQLite file
  ``var/kehu.sqlite3`` under ``KEHU_HOME`` (default: the current directory).
- ``KEHU_SECRET_KEY``: required when ``KEHU_DEBUG`` is off; a per-install key is
  generated into ``var/secret_key`` otherwise.
- ``KEHU_DEBUG``: ``1`` for development error pages.
- ``KEHU_ALLOWED_HOSTS``: comma separated, default ``127.0.0.1,localhost``.
- ``KEHU_SECURE``: ``1`` when served over HTTPS (HSTS, secure cookies, SSL redirect).
- ``KEHU_SITE_URL``: how customers reach this site, for the links in campaign messages
  (tracked links, unsubscribe); default ``http://localhost:8000``.
- ``KEHU_SMTP_HOST`` (and ``KEHU_SMTP_PORT``, ``KEHU_SMTP_USER``, ``KEHU_SMTP_PASSWORD``,
  ``KEHU_SMTP_TLS``): the mail server campaigns send through; without it, mail is
  written to files under ``var/mail`` (development). ``KEHU_MAIL_FROM``: the sender.
- ``KEHU_SMS_GATEWAY``: the dotted path of the SMS gateway class; default the file
  gateway, which writes each text to ``var/sms/outbox.jsonl`` (development).
- ``KEHU_LOYALTY_SMS_SECRET``: the shared secret of the inbound SMS webhook
  (``/loyalty/sms/inbound``; refused while unset); ``KEHU_LOYALTY_EXPIRY_MONTHS``:
  how long loyalty points last (default 24).
- ``KEHU_ANALYSIS_ENGINE``: ``duckdb`` (default) values the customers in the analysis
  run's own process; ``spark`` on a Spark cluster, ``KEHU_SPARK_MASTER`` (default
  ``local[*]``, e.g. ``spark://host:7077``; needs ``kehu[spark]`` and Java 17+).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
KEHU_HOME = Path(os.environ.get("KEHU_HOME", Path.cwd())).resolve()
VAR_DIR = KEHU_HOME / "var"


def _secret_key() -> str:
    if key := os.environ.get("KEHU_SECRET_KEY"):
        return key
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("KEHU_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("KEHU_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # its bundled Swagger UI files, so /api/docs works offline
    "simple_history",
    "kehu.crm.accounts",
    "kehu.crm.customers",
    "kehu.crm.catalog",
    "kehu.crm.sales",
    "kehu.crm.service",
    "kehu.crm.engagement",
    "kehu.crm.billing",
    "kehu.crm.intelligence",
    "kehu.crm.integration",
    "kehu.crm.marketing",
    "kehu.crm.leads",
    "kehu.crm.automation",
    "kehu.crm.events",
    "kehu.crm.attendance",
    "kehu.crm.loyalty",
    "kehu.crm.screens",
    "kehu.crm.reports",
    "kehu.crm.performance",
    "kehu.crm.portal",
]
# Each kehu app declares its URLs, API router, menu entries and role permissions in its
# AppConfig (kehu.crm.appconfig); the order above, lowest layer first, is the order in
# which they are collected. The layers are checked by `make lint` (import-linter).

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "kehu.crm.security.SecurityHeadersMiddleware",
    "kehu.crm.errors.ErrorResponseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kehu.crm.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "kehu.crm.urls"
WSGI_APPLICATION = "kehu.crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kehu.crm.accounts.context_processors.roles",
                "kehu.crm.accounts.context_processors.navigation",
            ],
            # |unlocalize everywhere without a load: record ids in URLs, attributes and
            # selectors must never get thousands separators (USE_THOUSAND_SEPARATOR)
            "builtins": ["django.templatetags.l10n", "kehu.crm.formats.filters"],
            "libraries": {"charts": "kehu.crm.chart_tags"},  # {% load charts %}, no app
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'kehu.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while an import or analysis run writes; the busy
    # timeout makes a writer wait for another instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA cache_size=-65536; PRAGMA mmap_size=1073741824;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 600
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("KEHU_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["kehu.crm.formats"]  # one number and date format per locale

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "kehu.crm.plotly_static.PlotlyFinder",  # plotly/plotly.min.js, from the plotly package
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"

# KEHU_SECURE=1 behind an HTTPS proxy: HSTS, cookies only over HTTPS, plain HTTP
# redirected (the proxy says the original scheme in X-Forwarded-Proto).
KEHU_SECURE = os.environ.get("KEHU_SECURE", "0") == "1"
if KEHU_SECURE:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

KEHU_PAGE_SIZE = 25
# on PostgreSQL, a list longer than this by the planner's estimate shows the estimate
# instead of counting every row at every page (kehu.crm.estimated_count); 0: always count
KEHU_ESTIMATE_COUNT_ABOVE = 100_000
KEHU_EXPORT_MAX_ROWS = 1_000_000
# Imports (kehu import and the web wizard): the most a file may hold once unpacked
# (gzip, .xlsx/.ods zip members) and the most data rows; order dates more than
# KEHU_IMPORT_FUTURE_DAYS after today are quarantined unless the user confirms them.
KEHU_IMPORT_MAX_MB = int(os.environ.get("KEHU_IMPORT_MAX_MB", "1024"))
KEHU_IMPORT_MAX_ROWS = int(os.environ.get("KEHU_IMPORT_MAX_ROWS", "5000000"))
KEHU_IMPORT_FUTURE_DAYS = int(os.environ.get("KEHU_IMPORT_FUTURE_DAYS", "31"))

# Campaign messages (kehu.crm.marketing): mail over SMTP when a server is named, to
# files otherwise, so that a demo never mails anyone
KEHU_SITE_URL = os.environ.get("KEHU_SITE_URL", "http://localhost:8000").rstrip("/")
# the analysis run's engine: duckdb (in its process) or spark (kehu.crm.intelligence.engines)
KEHU_ANALYSIS_ENGINE = os.environ.get("KEHU_ANALYSIS_ENGINE", "duckdb")
KEHU_SPARK_MASTER = os.environ.get("KEHU_SPARK_MASTER", "local[*]")
DEFAULT_FROM_EMAIL = os.environ.get("KEHU_MAIL_FROM", "kehu <noreply@localhost>")
if smtp_host := os.environ.get("KEHU_SMTP_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = smtp_host
    EMAIL_PORT = int(os.environ.get("KEHU_SMTP_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("KEHU_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("KEHU_SMTP_PASSWORD", "")
    EMAIL_USE_TLS = os.environ.get("KEHU_SMTP_TLS", "0") == "1"
    EMAIL_TIMEOUT = 30
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
KEHU_SMS_GATEWAY = os.environ.get("KEHU_SMS_GATEWAY", "kehu.crm.marketing.sms.FileGateway")
# the loyalty programme (kehu.crm.loyalty.config): keywords of inbound texts, expiry
KEHU_LOYALTY_SMS_SECRET = os.environ.get("KEHU_LOYALTY_SMS_SECRET", "")
KEHU_LOYALTY_EXPIRY_MONTHS = int(os.environ.get("KEHU_LOYALTY_EXPIRY_MONTHS", "24"))
KEHU_LOYALTY_JOIN_KEYWORDS = ("JOIN", "加入")
KEHU_LOYALTY_LEAVE_KEYWORDS = ("STOP", "退订")
# a campaign sends in batches of this many members, each batch's state committed
KEHU_CAMPAIGN_BATCH = 500

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KEHU_LOG_LEVEL", "WARNING")},
}
