"""Several processes appending at once on PostgreSQL: each change commits its entry without waiting for the
others (no lock held in the change's transaction), the chainers take turns on the head row, and the result is
one unbroken chain holding every committed entry — and none of a rolled-back one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from gongdan.audit.models import AuditEntry
from gongdan.audit.services import audit_chain_pending
from gongdan.audit.verification import verify_chain

WRITER = """
import os, sys, time
from pathlib import Path
import django
django.setup()
from django.db import transaction
from gongdan.audit import kinds
from gongdan.audit.services import audit_record
name, each, start = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
while not start.exists():
    time.sleep(0.01)
for i in range(each):
    try:
        with transaction.atomic():
            audit_record(kind=kinds.SIGN_OUT, actor_username=f"{name}-{i}")
            if i % 10 == 9:
                raise RuntimeError("rolled back with its change")
    except RuntimeError:
        pass
"""


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_processes_appending_at_once_make_one_unbroken_chain(tmp_path: Path):
    # Given two writer processes on the test database, released at the same moment
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "gongdan.project.settings_test",
        "GONGDAN_HUEY_IMMEDIATE": "1",  # each chains its own entries right after its commit
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    env.pop("GONGDAN_TEST_DB_NAME", None)
    start = tmp_path / "go"
    each = 60
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, f"w{n}", str(each), str(start)], env=env)  # noqa: S603 (our own script)
        for n in range(2)
    ]
    time.sleep(0.5)
    start.touch()
    # When both have appended (every tenth change rolled back)
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0]
    audit_chain_pending()  # a wake-up that lost the race to the other process is caught by the sweep
    # Then one chain holds exactly the committed entries, numbered 1…n without a gap or a fork
    kept = each - each // 10
    entries = list(AuditEntry.objects.order_by("seq"))
    assert len(entries) == 2 * kept
    assert [e.seq for e in entries] == list(range(1, 2 * kept + 1))
    assert all(not e.actor_username.endswith(("-9", "-19", "-29")) for e in entries)
    assert {e.actor_username.split("-")[0] for e in entries} == {"w0", "w1"}
    verdict = verify_chain()
    assert verdict.ok and verdict.checked == 2 * kept and verdict.unchained == 0
