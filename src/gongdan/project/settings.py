"""Settings from the environment (12-factor). Runtime knobs that admins change live in the database."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

BASE_DIR = Path(__file__).resolve().parent.parent  # src/gongdan
PROJECT_DIR = BASE_DIR.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(os.environ.get("GONGDAN_DATA_DIR", PROJECT_DIR / "var")).resolve()
# The data folder holds the SQLite database, the queue, attachments and the secret key: readable by the
# service's own user only, from the moment each is created (docs/security.md).
if not DATA_DIR.exists():
    DATA_DIR.mkdir(mode=0o700, parents=True)


def _private_file(path: Path, content: str = "") -> None:
    """Create `path` readable by this user only (O_EXCL: never reopen someone else's file); leave it if there."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w") as file:
        file.write(content)


def _secret_key() -> str:
    """A stable secret per data folder unless one is given, so sessions survive restarts."""
    if value := os.environ.get("GONGDAN_SECRET_KEY"):
        return value
    key_file = DATA_DIR / "secret_key"
    _private_file(key_file, secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
# Older keys, comma-separated, while rotating: sessions, signed links and sealed credentials made with them
# still open (see gongdan.core.sealed).
SECRET_KEY_FALLBACKS = [
    k.strip() for k in os.environ.get("GONGDAN_SECRET_KEY_FALLBACKS", "").split(",") if k.strip()
]
DEBUG = env_bool("GONGDAN_DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("GONGDAN_ALLOWED_HOSTS", "*").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("GONGDAN_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
PORT = int(os.environ.get("GONGDAN_PORT", "8000"))
SITE_URL = os.environ.get("GONGDAN_SITE_URL", f"http://localhost:{PORT}")

INSTALLED_APPS = [
    "gongdan.accounts.operator_commands",  # createsuperuser/changepassword through the services: before auth
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",  # before gongdan.accounts: its failure receiver must run before ours (sign_in_guard)
    "huey.contrib.djhuey",
    "gongdan.core",
    "gongdan.api",
    "gongdan.audit",
    "gongdan.accounts",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "gongdan.mfa",
    "gongdan.sso",
    "gongdan.assets",
    "gongdan.tickets",
    "gongdan.sla",
    "gongdan.outbox",
    "gongdan.notifications",
    "gongdan.oncall",
    "gongdan.routing",
    "gongdan.approvals",
    "gongdan.maintenance",
    "gongdan.meters",
    "gongdan.parts",
    "gongdan.rounds",
    "gongdan.automation",
    "gongdan.transfer",
    "gongdan.integrations",
    "gongdan.channels",
    "gongdan.portal",
    "gongdan.recovery",
    "gongdan.field",
    "gongdan.admin_console",
    "gongdan.demo",
    "gongdan.backup",
    "gongdan.reports",
    "gongdan.privacy",
    "gongdan.web",
]

MIDDLEWARE = [
    "gongdan.core.config_cache.RequestScope",
    "django.middleware.security.SecurityMiddleware",
    "gongdan.project.security_headers.PermissionsPolicyMiddleware",
    "gongdan.accounts.sign_in_guard.SignInLeaseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "gongdan.project.static_files.StaticFilesOnDemand",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gongdan.accounts.middleware.UserLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "gongdan.audit.origin.AuditOriginMiddleware",
    "gongdan.accounts.middleware.UserPreferencesMiddleware",
    "gongdan.mfa.middleware.EnrolmentRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "gongdan.accounts.session_policy.SessionPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gongdan.project.urls"
WSGI_APPLICATION = "gongdan.project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gongdan.web.context_processors.shell",
            ],
        },
    }
]

DEFAULT_SQLITE = f"sqlite:///{DATA_DIR / 'gongdan.sqlite3'}"
if "DATABASE_URL" not in os.environ:
    # SQLite creates its -wal and -shm files with the database file's own mode.
    _private_file(DATA_DIR / "gongdan.sqlite3")
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", DEFAULT_SQLITE), conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock up front so
        # concurrent writers queue on busy_timeout instead of failing with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA cache_size=-64000; PRAGMA mmap_size=268435456; PRAGMA temp_store=MEMORY;"
        ),
    }
else:
    # Our queries join a ticket to a handful of lookup rows by primary key, written in the best order
    # already; letting PostgreSQL search every join order cost up to 5 ms of planning per query
    # (decision 0014). Reports that need reordering can SET LOCAL a higher limit.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c join_collapse_limit=1"
    # A pool per process rather than a kept connection per thread: Django's ASGI handler runs each request in
    # a thread of its own, which would strand a kept connection (decision 0060). The pool checks a
    # connection before lending it and renews connections hourly.
    from psycopg_pool import ConnectionPool

    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": 1,
        "max_size": int(os.environ.get("GONGDAN_DB_POOL_SIZE", "10")),
        "timeout": 20,
        "max_idle": 300,
        "max_lifetime": 3600,
        "check": ConnectionPool.check_connection,
    }
DATABASES["default"].setdefault("TEST", {})
if test_name := os.environ.get("GONGDAN_TEST_DB_NAME"):
    DATABASES["default"]["TEST"]["NAME"] = test_name

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "tickets:queue"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sign-in lockout (decision 0080, docs/security.md): django-axes counts failures per username and per client
# address in the database; our guard backend makes its check atomic before any password hash.
AUTHENTICATION_BACKENDS = [
    "gongdan.accounts.sign_in_guard.SignInGuardBackend",
    "gongdan.accounts.sign_in_guard.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Directory accounts (LDAP / AD) after local passwords, so a local admin signs in while the directory is down;
    # the redirect providers (OpenID Connect, DingTalk, Feishu, WeCom) sign people in through SsoBackend.
    "gongdan.sso.backends.LdapBackend",
    "gongdan.sso.backends.SsoBackend",
]
AXES_ENABLED = env_bool("GONGDAN_SIGNIN_LOCKOUT", True)
AXES_FAILURE_LIMIT = int(os.environ.get("GONGDAN_SIGNIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("GONGDAN_SIGNIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = "gongdan.accounts.sign_in_guard.lockout_parameters"  # an account, an address
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "gongdan.accounts.sign_in_guard.AxesHandler"
# Sign-ins and sign-outs are announced by Django's signals for the audit trail; axes's own access log would be
# a second, unprotected copy.
AXES_DISABLE_ACCESS_LOG = True
AXES_USERNAME_CALLABLE = "gongdan.accounts.sign_in_guard.axes_username"
AXES_CLIENT_IP_CALLABLE = "gongdan.accounts.sign_in_guard.axes_client_address"
AXES_LOCKOUT_CALLABLE = "gongdan.accounts.views.auth.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password", "current_password", "new_password1",
                             "new_password2"]  # fmt: skip
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False  # unlocking is on the people screen and the API, where it is announced
# Behind reverse proxies: how many of them append to X-Forwarded-For (or which peers, GONGDAN_TRUSTED_PROXIES,
# comma-separated addresses or networks); without either, the socket's peer address is the client's.
# MQTT ingestion of meter readings (docs/mqtt.md): unset means no ingester is started.
GONGDAN_MQTT_URL = os.environ.get("GONGDAN_MQTT_URL", "")  # mqtt://user:password@host:1883, mqtts://… for TLS
GONGDAN_MQTT_CLIENT_ID = os.environ.get("GONGDAN_MQTT_CLIENT_ID", "gongdan-ingest")
GONGDAN_TRUSTED_PROXY_COUNT = int(os.environ.get("GONGDAN_TRUSTED_PROXY_COUNT", "0"))
GONGDAN_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("GONGDAN_TRUSTED_PROXIES", "").split(",") if p.strip()
]
# Password checks at once per client address (per username it is always one), how long a sign-in waits for
# its turn, and the progressive delay: after GONGDAN_SIGNIN_DELAY_AFTER failures in a row, each further one is
# answered BASE, 2×BASE, 4×BASE … seconds later, at most MAX.
GONGDAN_SIGNIN_ADDRESS_CONCURRENCY = int(os.environ.get("GONGDAN_SIGNIN_ADDRESS_CONCURRENCY", "4"))
GONGDAN_SIGNIN_LEASE_WAIT = float(os.environ.get("GONGDAN_SIGNIN_LEASE_WAIT", "3"))
GONGDAN_SIGNIN_DELAY_AFTER = int(os.environ.get("GONGDAN_SIGNIN_DELAY_AFTER", "3"))
GONGDAN_SIGNIN_DELAY_BASE = float(os.environ.get("GONGDAN_SIGNIN_DELAY_BASE", "0.25"))
GONGDAN_SIGNIN_DELAY_MAX = float(os.environ.get("GONGDAN_SIGNIN_DELAY_MAX", "2"))

# Two-factor sign-in (decisions 0120-0124, docs/security.md): when on, the administrator roles and the roles
# the security administrator picks must sign in with a second factor. The demo and developers' machines turn
# it off (anyone may still enrol, and is then always asked).
GONGDAN_MFA_ENFORCED = env_bool("GONGDAN_MFA_ENFORCED", True)
OTP_TOTP_ISSUER = os.environ.get("GONGDAN_MFA_ISSUER", "Gongdan")

# One validator: the site's policy (decision 0116), set on the sign-in policy screen; it runs Django's common
# password list and similarity check itself, so a refused password reads each reason once.
AUTH_PASSWORD_VALIDATORS = [{"NAME": "gongdan.accounts.password_policy.PolicyValidator"}]
if env_bool("GONGDAN_FAST_PASSWORD_HASHER"):  # tests and benchmarks only
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# Django 6.1's label for an empty choice (django.db.models.fields.BLANK_CHOICE_LABEL): Django ships no zh-Hans
# translation of it yet, so ours lives in project/locale (this line keeps it in the catalogue).
BLANK_CHOICE_LABEL_MSGID = gettext_noop("- Select an option -")
LOCALE_PATHS = [BASE_DIR / "project" / "locale"]  # the project package is not an app
TIME_ZONE = os.environ.get("GONGDAN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
NODE_MODULES = PROJECT_DIR / "node_modules"
# Only the parts of each npm package the pages load: every collected file is one WhiteNoise reads at each start
# (Tabler's dist alone holds ~800 flag and payment images, editor plugins and type files we never serve).
STATICFILES_DIRS = [
    ("vendor/tabler/css", NODE_MODULES / "@tabler/core/dist/css"),
    ("vendor/tabler/js", NODE_MODULES / "@tabler/core/dist/js"),
    ("vendor/tabler-icons", NODE_MODULES / "@tabler/icons-webfont/dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org/dist"),
    ("vendor/echarts", NODE_MODULES / "echarts/dist"),
    ("vendor/tom-select/css", NODE_MODULES / "tom-select/dist/css"),
    ("vendor/tom-select/js", NODE_MODULES / "tom-select/dist/js"),
    ("vendor/model-viewer", NODE_MODULES / "@google/model-viewer/dist"),
    ("vendor/cytoscape", NODE_MODULES / "cytoscape/dist"),
    ("vendor/cytoscape-edgehandles", NODE_MODULES / "cytoscape-edgehandles"),
    ("vendor/sortablejs", NODE_MODULES / "sortablejs"),
]
STATICFILES_DIRS = [(prefix, path) for prefix, path in STATICFILES_DIRS if path.exists()]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
MEDIA_URL = "/media/"  # never served directly: attachments go through a permission-checked view

# Size limits on everything (rule 6).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("GONGDAN_MAX_BODY_BYTES", str(2 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
# Inbound integrations (Alertmanager, Zabbix, CRM/ERP records, Open311): the largest body one delivery may send.
GONGDAN_INTEGRATION_MAX_BODY_BYTES = int(
    os.environ.get("GONGDAN_INTEGRATION_MAX_BODY_BYTES", str(1024 * 1024))
)
GONGDAN_MAX_ATTACHMENT_BYTES = int(os.environ.get("GONGDAN_MAX_ATTACHMENT_BYTES", str(20 * 1024 * 1024)))
# Importing the register from XLSX/CSV (docs/assets.md): the largest file and the most data rows one import takes.
GONGDAN_ASSET_IMPORT_MAX_BYTES = int(os.environ.get("GONGDAN_ASSET_IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
GONGDAN_ASSET_IMPORT_MAX_ROWS = int(os.environ.get("GONGDAN_ASSET_IMPORT_MAX_ROWS", "10000"))
# The phone app keeps the 3D models of its open jobs' assets offline, up to this many bytes (decision 0167).
GONGDAN_FIELD_OFFLINE_MODEL_BYTES = int(
    os.environ.get("GONGDAN_FIELD_OFFLINE_MODEL_BYTES", str(50 * 1024 * 1024))
)
# The web server's own limits (decision 0060, gongdan/project/request_limits.py). The largest request any
# page takes is a reply with ten attachments; a body must arrive within GONGDAN_WEB_BODY_TIMEOUT seconds plus
# one second per KiB; each process runs GONGDAN_WEB_THREADS requests at once, the rest wait their turn.
GONGDAN_MAX_REQUEST_BYTES = int(
    os.environ.get(
        "GONGDAN_MAX_REQUEST_BYTES", str(10 * GONGDAN_MAX_ATTACHMENT_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE)
    )
)
GONGDAN_WEB_BODY_TIMEOUT = int(os.environ.get("GONGDAN_WEB_BODY_TIMEOUT", "20"))
GONGDAN_WEB_THREADS = int(os.environ.get("GONGDAN_WEB_THREADS", "4"))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
# A site served over https (GONGDAN_SITE_URL) gets secure cookies and HSTS unless told otherwise.
SITE_IS_HTTPS = SITE_URL.lower().startswith("https://")
SESSION_COOKIE_SECURE = env_bool("GONGDAN_SECURE_COOKIES", SITE_IS_HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(
    os.environ.get("GONGDAN_HSTS_SECONDS", str(365 * 24 * 3600) if SITE_IS_HTTPS else "0")
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("GONGDAN_HSTS_INCLUDE_SUBDOMAINS", SITE_IS_HTTPS)
SECURE_HSTS_PRELOAD = env_bool("GONGDAN_HSTS_PRELOAD", False)
# Preloading is a promise about every subdomain of the site's domain that only its owner can make: opt in
# with GONGDAN_HSTS_PRELOAD, and `check --deploy` does not nag about it meanwhile.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD or not SITE_IS_HTTPS else ["security.W021"]
# The TLS-terminating proxy in front says which scheme the client used; redirect plain http to https.
if env_bool("GONGDAN_BEHIND_TLS_PROXY", SITE_IS_HTTPS):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("GONGDAN_SSL_REDIRECT", SITE_IS_HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer's probe speaks plain http
GONGDAN_PERMISSIONS_POLICY = os.environ.get(
    "GONGDAN_PERMISSIONS_POLICY",
    "accelerometer=(), autoplay=(), browsing-topics=(), camera=(self), display-capture=(), encrypted-media=(),"
    " fullscreen=(self), geolocation=(self), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(),"
    " publickey-credentials-get=(self), screen-wake-lock=(), usb=(), xr-spatial-tracking=()",
)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
}

# Queue: Redis in production when REDIS_URL is set, otherwise Huey's SQLite storage in the data folder.
REDIS_URL = os.environ.get("REDIS_URL", "")
HUEY_IMMEDIATE = env_bool("GONGDAN_HUEY_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": os.environ.get("GONGDAN_QUEUE_NAME", "gongdan"),
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": int(os.environ.get("GONGDAN_WORKERS", "2")), "worker_type": "thread"},
    }
else:
    _private_file(DATA_DIR / "queue.sqlite3")
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "gongdan",
        "filename": str(DATA_DIR / "queue.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        # SQLite is polled: an idle worker looks again after at most half a second (Huey's default backs off to
        # 10 s), so a sensor's work order does not wait that long (decision 0173). Redis blocks instead.
        "consumer": {
            "workers": int(os.environ.get("GONGDAN_WORKERS", "2")),
            "worker_type": "thread",
            "max_delay": 0.5,
        },
    }

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GONGDAN_LOG_LEVEL", "INFO").upper()},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # every sign-in at INFO; failures and lockouts still show
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

GONGDAN_NAME = _("Gongdan")

# SLA engine: a recorded escalation step whose action was not carried out this many seconds later (its
# consumer was killed) is acted on again by the next sweep (see docs/sla.md).
# The audit trail (docs/audit.md): the chain's hash for new entries ("sm3" or "sha256"), how long entries are
# kept (never less than 180 days), where they are copied as RFC 5424 syslog (udp://host:514, tcp://host:601;
# empty: nowhere). The client's address is read behind GONGDAN_TRUSTED_PROXY_COUNT / GONGDAN_TRUSTED_PROXIES above.
GONGDAN_AUDIT_HASH = os.environ.get("GONGDAN_AUDIT_HASH", "sm3").strip().lower()
GONGDAN_AUDIT_RETENTION_DAYS = max(180, int(os.environ.get("GONGDAN_AUDIT_RETENTION_DAYS", "180")))
GONGDAN_AUDIT_SYSLOG = os.environ.get("GONGDAN_AUDIT_SYSLOG", "").strip()
# Field-level encryption at rest (gongdan.core.field_crypto, docs/security.md): "sm4" (SM4-GCM) or "aes"
# (AES-256-GCM), and keys as "id:base64-of-32-bytes", comma-separated, the first one sealing new values.
GONGDAN_FIELD_CIPHER = os.environ.get("GONGDAN_FIELD_CIPHER", "sm4").strip().lower()
GONGDAN_FIELD_KEYS = os.environ.get("GONGDAN_FIELD_KEYS", "")
# Separated administration (三权分立, docs/decisions/0085): a site too small for three administrators may
# let its system administrators hold the security and audit duties as well.
GONGDAN_ADMIN_DUTIES_COMBINED = env_bool("GONGDAN_ADMIN_DUTIES_COMBINED", False)

GONGDAN_SLA_ACT_RETRY_SECONDS = int(os.environ.get("GONGDAN_SLA_ACT_RETRY_SECONDS", "120"))

# Outbound mail (notifications): smtp://user:pass@host:587?starttls=1, smtps://user:pass@host:465, or
# console:// to print mail; empty keeps email messages pending in the outbox (see docs/notifications.md).
GONGDAN_SMTP_URL = os.environ.get("GONGDAN_SMTP_URL", "")
GONGDAN_MAIL_FROM = os.environ.get("GONGDAN_MAIL_FROM", "")
DEFAULT_FROM_EMAIL = GONGDAN_MAIL_FROM or "gongdan@localhost"
GONGDAN_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("GONGDAN_OUTBOX_MAX_ATTEMPTS", "8"))
# Reply-To of notification mail (the support mailbox the mail intake reads); empty: no Reply-To.
GONGDAN_MAIL_REPLY_TO = os.environ.get("GONGDAN_MAIL_REPLY_TO", "")
# The ticket event pipeline (gongdan.tickets.pipeline): how long a consumer looks for an event id it passed
# without seeing (a transaction still committing) before treating it as rolled back, and the batch window: a
# commit schedules the consumers this long after it, at most once per window per process.
GONGDAN_EVENT_GAP_SECONDS = int(os.environ.get("GONGDAN_EVENT_GAP_SECONDS", "600"))
GONGDAN_EVENT_BATCH_SECONDS = float(os.environ.get("GONGDAN_EVENT_BATCH_SECONDS", "1.0"))
GONGDAN_PAGE_LINK_MAX_AGE = int(os.environ.get("GONGDAN_PAGE_LINK_MAX_AGE", str(24 * 3600)))
# How long a mailed approve / reject link stays valid (the approver can always decide on the web).
GONGDAN_APPROVAL_LINK_MAX_AGE = int(os.environ.get("GONGDAN_APPROVAL_LINK_MAX_AGE", str(7 * 24 * 3600)))

# Mail intake (gongdan.channels): mails fetched per mailbox per poll, and an extra CA bundle (PEM) to trust
# for IMAP servers with a private certificate authority (see docs/channels-email.md).
GONGDAN_MAIL_BATCH = int(os.environ.get("GONGDAN_MAIL_BATCH", "50"))
GONGDAN_MAIL_CA_FILE = os.environ.get("GONGDAN_MAIL_CA_FILE", "")
# The optional inbound SMTP listener (`python -m gongdan mail_listen`): the largest message it takes.
GONGDAN_SMTP_MAX_BYTES = int(os.environ.get("GONGDAN_SMTP_MAX_BYTES", str(25 * 1024 * 1024)))
# Requester portal (see docs/portal.md): how long a mailed sign-in link and a survey link stay valid, how much
# one request may upload, and the per-IP / per-address limits ("name=count/seconds,…", see
# gongdan.core.rate_limits for the names and defaults).
GONGDAN_PORTAL_LINK_MAX_AGE = int(os.environ.get("GONGDAN_PORTAL_LINK_MAX_AGE", str(30 * 60)))
GONGDAN_PORTAL_SURVEY_MAX_AGE = int(os.environ.get("GONGDAN_PORTAL_SURVEY_MAX_AGE", str(30 * 24 * 3600)))
GONGDAN_PORTAL_MAX_FILES = int(os.environ.get("GONGDAN_PORTAL_MAX_FILES", "5"))
GONGDAN_PORTAL_MAX_REQUEST_BYTES = int(
    os.environ.get("GONGDAN_PORTAL_MAX_REQUEST_BYTES", str(40 * 1024 * 1024))
)
GONGDAN_PORTAL_RATE_LIMITS = {
    name.strip(): (int(rate.partition("/")[0]), int(rate.partition("/")[2]))
    for name, _sep, rate in (
        part.partition("=")
        for part in os.environ.get("GONGDAN_PORTAL_RATE_LIMITS", "").split(",")
        if part.strip()
    )
}
