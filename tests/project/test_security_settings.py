"""Hardening that lives in the settings: private files in the data folder, HSTS and secure cookies for an
https site, the Permissions-Policy header, and `check --deploy` clean with production settings."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def run(tmp_path: Path, code: str, **env: str) -> subprocess.CompletedProcess[str]:
    # As a deployed site starts: none of our settings, and not the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE
    # (set in this worker's environment while they run; check --deploy rightly refuses it).
    skipped = ("GONGDAN_", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(skipped)}
    clean.update(
        GONGDAN_DATA_DIR=str(tmp_path / "data"), DJANGO_SETTINGS_MODULE="gongdan.project.settings", **env
    )
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_the_queue_media_and_the_secret_key_are_private_from_creation(tmp_path):
    os.umask(0o022)  # a default that would leave them world-readable
    result = run(tmp_path, "from django.db import connection; connection.ensure_connection();"
                 " connection.cursor().execute('CREATE TABLE t (x)');"
                 " from django.core.files.storage import default_storage;"
                 " from django.core.files.base import ContentFile;"
                 " print(default_storage.save('attachments/2026/a.txt', ContentFile(b'x')))")  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = tmp_path / "data"
    assert mode(data) == 0o700
    for name in ("gongdan.sqlite3", "secret_key", "queue.sqlite3"):
        assert mode(data / name) == 0o600, name
    for extra in data.glob("gongdan.sqlite3-*"):  # the WAL and its index follow the database's mode
        assert mode(extra) == 0o600, extra
    saved = data / "media" / result.stdout.strip()
    assert mode(saved) == 0o600
    assert mode(saved.parent) == 0o700 and mode(data / "media" / "attachments") == 0o700


def test_an_https_site_gets_hsts_secure_cookies_and_passes_check_deploy(tmp_path):
    result = run(tmp_path, "from django.core.management import call_command;"
                 " call_command('check', '--deploy', '--fail-level', 'WARNING')",
                 GONGDAN_SITE_URL="https://helpdesk.example.com", GONGDAN_ALLOWED_HOSTS="helpdesk.example.com",
                 GONGDAN_SECRET_KEY="x" * 30 + "Q7-v9#kLm2@pZr8&nT4!wYb6*eJh3^sD")  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    settings = run(tmp_path, "from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS,"
                   " s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT)",
                   GONGDAN_SITE_URL="https://helpdesk.example.com")  # fmt: skip
    assert settings.stdout.split() == ["31536000", "True", "True", "True"]
    plain = run(tmp_path, "from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE)",
                GONGDAN_SITE_URL="http://localhost:8000")  # fmt: skip
    assert plain.stdout.split() == ["0", "False"]


def test_every_page_sends_a_permissions_policy(db):
    response = Client().get("/login/")
    policy = response.headers["Permissions-Policy"]
    assert "camera=(self)" in policy and "geolocation=(self)" in policy and "microphone=()" in policy
    assert Client().get("/healthz").headers["Permissions-Policy"] == policy
