"""With a REAL Huey consumer (`python -m gongdan run_huey`, not immediate mode): how long from paging (and
from creating the ticket) until the SMTP server has the mail, and a consumer killed with -9 mid-delivery.

Each test gets its own data folder (SQLite database + Huey's SQLite queue), or its own PostgreSQL database
when DATABASE_URL points at PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.notifications.conftest import SmtpServer, free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TARGET_SECONDS = 60

SETUP = """
import datetime as dt, json, time
from django.db import transaction
from django.utils import timezone
from gongdan.accounts.models import Team, User
from gongdan.oncall.models import OnCallSchedule
from gongdan.oncall.services import page_on_call
from gongdan.tickets.services import ticket_create

team = Team.objects.create(name="运维", name_en="Operations")
agent = User.objects.create_user("oncall", email="oncall@example.com", role="agent", language="en")
team.memberships.create(user=agent)
schedule = OnCallSchedule.objects.create(name="Ops", team=team, rotation_days=1,
    start_date=timezone.localdate() - dt.timedelta(days=2), handoff_time=dt.time(0, 0), time_zone="UTC")
schedule.participants.create(user=agent, layer=1, position=0)
times = {}
times["created"] = time.time()
with transaction.atomic():
    ticket = ticket_create(actor=agent, subject="Core switch down", team=team)
    page_on_call(ticket=ticket, reason="P0 raised by monitoring")
times["committed"] = time.time()
other = ticket_create(actor=agent, subject="Second incident", team=team)
times["paged"] = time.time()
page_on_call(ticket=other, reason="P0 second")
print("TIMES=" + json.dumps(times))
"""


class SlowFirstServer(SmtpServer):
    """The first DATA hangs (so a consumer can be killed mid-send) and is then refused."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hanging = threading.Event()
        self.hang_first = False
        self.times: list[float] = []

    async def handle_DATA(self, server, session, envelope):
        if self.hang_first and not self.hanging.is_set():
            self.hanging.set()
            await asyncio.sleep(4)
            return "451 4.4.2 Connection dropped"
        self.times.append(time.time())
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def site(tmp_path):
    """A migrated, empty site of its own; yields (env, manage)."""
    env = {**os.environ, "GONGDAN_DATA_DIR": str(tmp_path / "data"), "GONGDAN_HUEY_IMMEDIATE": "0",
           "DJANGO_SETTINGS_MODULE": "tests.outbox.consumer_settings",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]), "GONGDAN_OUTBOX_LEASE_SECONDS": "3",
           "GONGDAN_SECRET_KEY": "x" * 50, "GONGDAN_LOG_LEVEL": "WARNING", "REDIS_URL": ""}  # fmt: skip
    database = None
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        database = f"gd_consumer_{uuid.uuid4().hex[:8]}"
        base, _, _name = url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        env["DATABASE_URL"] = f"{base}/{database}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'site.sqlite3'}"

    def manage(*args: str, **kwargs):
        return subprocess.run([sys.executable, "-m", "gongdan", *args], cwd=ROOT, env=env, capture_output=True,  # noqa: S603
                              text=True, timeout=300, check=False, **kwargs)  # fmt: skip

    migrated = manage("migrate", "--noinput", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr
    yield env, manage
    if database:
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def start_consumer(env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gongdan", "run_huey"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


@pytest.fixture
def smtp():
    server = SlowFirstServer(port=free_port())
    controller = Controller(server, hostname=server.host, port=server.port)
    controller.start()
    yield server
    controller.stop()


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_a_page_reaches_the_mail_server_within_a_minute(site, smtp):
    env, manage = site
    env["GONGDAN_SMTP_URL"] = smtp.url
    consumer = start_consumer(env)
    try:
        result = manage("shell", "-c", SETUP)
        assert result.returncode == 0, result.stderr
        times = json.loads(result.stdout.split("TIMES=")[1])
        assert wait_for(lambda: len(smtp.messages) >= 2, TARGET_SECONDS + 5), "no mail within the target"
    finally:
        stop(consumer)
    first, second = sorted(smtp.times)[:2]
    from_creation = first - times["created"]
    from_page = second - times["paged"]
    print(f"\nlatency: ticket created → mail accepted {from_creation:.2f} s; page_on_call → mail accepted "
          f"{from_page:.2f} s (real consumer, {env['DATABASE_URL'].split(':')[0]})")  # fmt: skip
    assert from_creation < TARGET_SECONDS
    assert from_page < TARGET_SECONDS
    subjects = sorted(m["Subject"].strip() for m in smtp.messages)
    assert subjects[0].endswith("On-call page: P0 raised by monitoring")


def test_a_consumer_killed_mid_delivery_leaves_the_mail_to_the_next_one_which_sends_it_once(site, smtp):
    env, manage = site
    env["GONGDAN_SMTP_URL"] = smtp.url
    smtp.hang_first = True
    consumer = start_consumer(env)
    try:
        result = manage("shell", "-c", SETUP.split("other = ")[0])  # one page, one mail
        assert result.returncode == 0, result.stderr
        assert wait_for(smtp.hanging.is_set, 30), "the consumer never started sending"
        os.killpg(consumer.pid, signal.SIGKILL)  # kill -9 while the server holds the DATA
        consumer.wait(timeout=10)
        consumer = start_consumer(env)
        # The lease (3 s here) runs out and the minute sweep takes the message over.
        assert wait_for(lambda: len(smtp.messages) >= 1, 75), "the message was never delivered"
        time.sleep(3)
    finally:
        stop(consumer)
    assert len(smtp.messages) == 1
    state = manage("shell", "-c", "from gongdan.outbox.models import OutboxMessage as M;"
                   "print(list(M.objects.values_list('state', 'attempts')))")  # fmt: skip
    assert state.stdout.strip().splitlines()[-1] == "[('sent', 2)]", state.stdout + state.stderr
