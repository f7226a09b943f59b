"""A hundred wrong passwords sent at once to a real gunicorn with two worker processes: the lockout holds
across the processes (it lives in the database, SQLite or PostgreSQL as the suite runs on), and no more
passwords are checked against the account than the limit allows (decision 0080). A password that was
checked and wrong is answered 401; one refused before the check (locked out, or another check of the same
account in progress) is answered 429."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from tests.project.test_start import session_processes

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "the right one, 2026"
LIMIT = 10
PARALLEL = 100


def post_json(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 (loopback)
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _database_url(tmp_path: Path) -> tuple[str, object]:
    """A database of its own for the site: a file beside its data, or a fresh PostgreSQL database."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        return "", None
    name = f"gd_lockout_{uuid.uuid4().hex[:8]}"
    server = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}", drop


@pytest.fixture(scope="module")
def two_worker_site(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("lockout-site")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    database_url, drop = _database_url(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GONGDAN_", "DATABASE_URL", "REDIS_URL"))}
    env.update(GONGDAN_DATA_DIR=str(tmp_path / "data"), GONGDAN_PORT=str(port), GONGDAN_WEB_WORKERS="2",
               GONGDAN_FAST_PASSWORD_HASHER="1", GONGDAN_ACCESS_LOG="0", GONGDAN_SIGNIN_FAILURE_LIMIT=str(LIMIT),
               GONGDAN_SIGNIN_DELAY_MAX="0.5", DJANGO_SETTINGS_MODULE="gongdan.project.settings")  # fmt: skip
    if database_url:
        env["DATABASE_URL"] = database_url
    manage = [sys.executable, "-m", "gongdan"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True, timeout=600)  # noqa: S603
    make_user = ("from gongdan.accounts.models import User; "
                 f"User.objects.create_user('target', password={PASSWORD!r}, role='agent')")  # fmt: skip
    subprocess.run([*manage, "shell", "-c", make_user], env=env, cwd=ROOT, check=True, timeout=120)  # noqa: S603
    process = subprocess.Popen(  # noqa: S603
        [str(ROOT / ".venv/bin/gunicorn"), "--config", "python:gongdan.project.gunicorn_conf",
         "gongdan.project.asgi:application"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True, text=True,
    )  # fmt: skip
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert process.poll() is None, "".join(lines)
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5):  # noqa: S310
                    break
            except OSError:
                time.sleep(0.3)
        workers = [cmd for pid, cmd in session_processes(process.pid).items() if pid != process.pid]
        assert len(workers) == 2, workers
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        finally:
            if session_processes(process.pid):
                os.killpg(process.pid, signal.SIGKILL)
            if drop is not None:
                drop()


@pytest.mark.slow
def test_a_hundred_parallel_wrong_passwords_check_at_most_the_limit(two_worker_site):
    url = f"{two_worker_site}/api/v1/auth/token"
    start = threading.Barrier(PARALLEL)

    def attempt(n: int) -> tuple[int, str]:
        start.wait()
        status, body = post_json(url, {"username": "target", "password": f"wrong {n}"})
        return status, body.get("error", {}).get("code", "")

    with ThreadPoolExecutor(PARALLEL) as pool:
        answers = list(pool.map(attempt, range(PARALLEL)))

    checked = [a for a in answers if a == (401, "invalid_credentials")]
    refused = [a for a in answers if a[0] == 429]
    print(f"{PARALLEL} parallel wrong passwords: {len(checked)} checked and refused (401), "
          f"{sum(c == 'locked_out' for _s, c in refused)} locked out, "
          f"{sum(c == 'sign_in_busy' for _s, c in refused)} busy (429, never checked)")  # fmt: skip
    assert len(checked) + len(refused) == PARALLEL, answers  # nothing else, no 5xx
    # at most LIMIT - 1 wrong passwords were checked and answered; the LIMIT-th was checked and locked
    assert len(checked) <= LIMIT - 1, answers
    assert {code for _status, code in refused} <= {"locked_out", "sign_in_busy"}
    # the right password is now refused too, by both processes
    for _ in range(4):
        status, body = post_json(url, {"username": "target", "password": PASSWORD})
        assert (status, body["error"]["code"]) == (429, "locked_out")
