"""The SLA engine with real Huey consumers (`./gongdan manage run_huey` processes) on a database of its own
(a SQLite file, or a fresh PostgreSQL database when DATABASE_URL points at PostgreSQL): two consumers fire
each step exactly once; a consumer killed with -9 mid-sweep loses nothing; a P0 ticket pages on-call within
seconds of its creation."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow]

STEPS = 3  # per ticket: 50 %, 80 %, 100 % of resolution


def _env(data_dir: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS"))}
    env.update(
        GONGDAN_DATA_DIR=str(data_dir), DATABASE_URL=database_url, GONGDAN_SKIP_SETUP="1",
        GONGDAN_HUEY_IMMEDIATE="0", GONGDAN_FAST_PASSWORD_HASHER="1", GONGDAN_WORKERS="2",
        DJANGO_SETTINGS_MODULE="gongdan.project.settings", PYTHONPATH=f"{ROOT / 'src'}:{ROOT}",
        GONGDAN_LOG_LEVEL="WARNING", GONGDAN_SLA_ACT_RETRY_SECONDS="3",
    )  # fmt: skip
    env.pop("REDIS_URL", None)
    return env


class Engine:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.consumers: list[subprocess.Popen] = []

    def script(self, *args: str) -> dict:
        out = subprocess.run(  # noqa: S603 (our interpreter, our script)
            [sys.executable, "-m", "tests.sla.engine_script", *args], cwd=ROOT, env=self.env,
            capture_output=True, text=True, timeout=300, check=True,
        )  # fmt: skip
        return json.loads(out.stdout.strip().splitlines()[-1])

    def start_consumer(self) -> subprocess.Popen:
        process = subprocess.Popen(  # noqa: S603
            [str(ROOT / "gongdan"), "manage", "run_huey", "--workers", "2"], cwd=ROOT, env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        self.consumers.append(process)
        return process

    def kill(self, process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        if process.poll() is None:
            os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def wait_for(self, ticket_ids: list[int], expected: int, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            state = self.script("counts", json.dumps(ticket_ids))
            if (state["firings"] >= expected and state["acted"] >= expected) or time.monotonic() > deadline:
                return state
            time.sleep(1)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("sla-engine")
    base = os.environ.get("DATABASE_URL", "")
    created_pg = None
    if base.startswith(("postgres://", "postgresql://")):
        import psycopg

        created_pg = f"gd_sla_engine_{uuid.uuid4().hex[:8]}"
        admin_url = base.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{created_pg}"')
        database_url = base.rsplit("/", 1)[0] + f"/{created_pg}"
    else:
        database_url = f"sqlite:///{data_dir / 'engine.sqlite3'}"
    env = _env(data_dir, database_url)
    subprocess.run([str(ROOT / "gongdan"), "manage", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True,  # noqa: S603
                   timeout=600)  # fmt: skip
    runner = Engine(env)
    yield runner
    for process in runner.consumers:
        runner.kill(process, signal.SIGTERM)
    if created_pg:
        import psycopg

        with psycopg.connect(base.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{created_pg}" WITH (FORCE)')


def test_two_consumers_fire_each_step_exactly_once(engine):
    tickets = engine.script("setup", "150")["tickets"]
    first, second = engine.start_consumer(), engine.start_consumer()
    engine.script("enqueue_sweeps", "6")  # six sweeps at once, shared by two consumers with two threads each
    state = engine.wait_for(tickets, expected=len(tickets) * STEPS)
    time.sleep(2)  # let any duplicate show itself
    state = engine.script("counts", json.dumps(tickets))
    print(f"\n{len(tickets)} tickets × {STEPS} steps with 2 consumers: {state}")
    assert state["firings"] == len(tickets) * STEPS
    assert state["max_per_step"] == 1
    assert state["events"] == len(tickets) * STEPS
    assert state["acted"] == len(tickets) * STEPS  # every action carried out (once: acted_at is set once)
    assert state["breaches"] == len(tickets) * 2  # first response and resolution, once each
    engine.kill(first, signal.SIGTERM)
    engine.kill(second, signal.SIGTERM)


def test_a_consumer_killed_mid_sweep_loses_nothing(engine):
    tickets = engine.script("setup", "300")["tickets"]
    total = len(tickets) * STEPS
    victim = engine.start_consumer()
    engine.script("enqueue_sweeps", "1")
    # kill -9 while the consumer is in the middle of the work: steps recorded, actions not all carried out
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = engine.script("counts", json.dumps(tickets))
        if state["firings"] > 0:
            break
        time.sleep(0.05)
    engine.kill(victim)
    partial = engine.script("counts", json.dumps(tickets))
    print(
        f"\nkilled with -9 after {partial['firings']} of {total} steps recorded, {partial['acted']} acted on"
    )
    assert partial["acted"] < total, "the consumer finished before the kill; use more tickets"
    time.sleep(4)  # past GONGDAN_SLA_ACT_RETRY_SECONDS: what the killed consumer held is picked up again
    engine.start_consumer()
    engine.script("enqueue_sweeps", "2")
    state = engine.wait_for(tickets, expected=total)
    assert state["firings"] == total
    assert state["max_per_step"] == 1 and state["events"] == total
    assert state["acted"] == total


def test_a_p0_ticket_pages_on_call_within_a_minute(engine):
    if not [p for p in engine.consumers if p.poll() is None]:
        engine.start_consumer()
    time.sleep(3)  # the consumer is up
    created = engine.script("create_p0")
    deadline = time.monotonic() + 60
    status = {"alert": None}
    while time.monotonic() < deadline:
        status = engine.script("p0_status", str(created["ticket"]))
        if status["alert"]:
            break
        time.sleep(0.5)
    print(f"\nP0 created → {status['alert']} after {status.get('delay')} s")
    assert status["alert"] == "oncall_paged"
    assert status["delay"] < 60
