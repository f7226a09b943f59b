"""GET /healthz names the database and queue backends and says whether they answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import django, json
django.setup()
from django.test import Client
response = Client().get("/healthz")
print(json.dumps({"status_code": response.status_code, "body": response.json()}))
"""


def probe(tmp_path: Path, **env: str) -> dict:
    """Ask /healthz in a fresh process, so settings (and Huey's backend) come from these variables."""
    environment = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    environment.update(GONGDAN_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT / "src"),
                       DJANGO_SETTINGS_MODULE="gongdan.project.settings", GONGDAN_LOG_LEVEL="ERROR", **env)  # fmt: skip
    environment.pop("GONGDAN_HUEY_IMMEDIATE", None)  # immediate mode would bypass the real queue
    result = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", PROBE],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
def test_healthz_reports_database_and_queue(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["backend"] == connection.vendor
    assert body["database"]["state"] == "ok"
    assert body["queue"]["state"] == "ok"
    assert body["queue"]["backend"] in ("sqlite", "redis")


def test_healthz_with_the_embedded_sqlite_queue(tmp_path):
    answer = probe(tmp_path)
    assert answer["status_code"] == 200
    assert answer["body"]["queue"] == {"backend": "sqlite", "state": "ok", "pending": 0}
    assert answer["body"]["database"]["backend"] == "sqlite"


def test_healthz_with_a_redis_queue(tmp_path, test_redis_url):
    answer = probe(tmp_path, REDIS_URL=test_redis_url, GONGDAN_QUEUE_NAME=f"healthz-{tmp_path.name}")
    assert answer["status_code"] == 200
    assert answer["body"]["queue"]["backend"] == "redis"
    assert answer["body"]["queue"]["state"] == "ok"


def test_healthz_says_503_when_redis_is_down(tmp_path):
    answer = probe(tmp_path, REDIS_URL="redis://127.0.0.1:1/0")
    assert answer["status_code"] == 503
    assert answer["body"]["status"] == "error"
    assert answer["body"]["queue"]["backend"] == "redis"
    assert answer["body"]["queue"]["state"] == "error"
    assert answer["body"]["database"]["state"] == "ok"
