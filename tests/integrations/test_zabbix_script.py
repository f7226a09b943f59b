"""The Zabbix media type script shipped in docs/ runs in Zabbix's own JavaScript engine (`zabbix_js`, which
`./gongdan test` unpacks from Debian's zabbix-proxy-sqlite3 package into .tools/zabbix; or set
GONGDAN_ZABBIX_JS) against a live Gongdan: problem → ticket and event tags, update →
comment, recovery → resolved."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from gongdan.integrations import services
from gongdan.integrations.models import Kind
from gongdan.tickets.models import Status, Ticket
from tests.peers import require_peer

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "integrations" / "zabbix" / "gongdan_webhook.js"
PARAMS = SCRIPT.with_name("problem.json")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.peer("zabbix_js"),
]


def run_script(tmp_path: Path, params: dict[str, str]) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "params.json"
    path.write_text(json.dumps(params))
    return subprocess.run(  # noqa: S603
        [require_peer("zabbix_js"), "-s", str(SCRIPT), "-i", str(path), "-t", "30"],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_shipped_media_type_script_drives_a_ticket_through_its_life(
    live_server, admin_user, category, tmp_path
):
    integration, secret = services.integration_create(actor=admin_user, kind=Kind.ZABBIX, name="Zabbix",
                                                      slug="zabbix-plant", category=category)  # fmt: skip
    params = json.loads(PARAMS.read_text()) | {
        "gongdan_url": f"{live_server.url}/api/v1/integrations/{integration.slug}/zabbix",
        "gongdan_secret": secret,
    }

    problem = run_script(tmp_path, params)
    assert problem.returncode == 0, problem.stdout + problem.stderr
    ticket = Ticket.objects.get()
    tags = json.loads(problem.stdout.strip().splitlines()[-1])["tags"]
    assert tags["__zbx_gongdan_ticket"] == ticket.number
    assert tags["__zbx_gongdan_url"].endswith(f"/tickets/{ticket.number}/")
    assert ticket.subject == "Problem: Pump P1 pressure low" and ticket.priority.code == "P1"

    update = run_script(
        tmp_path, params | {"event_update_status": "1", "alert_message": "Zhang acknowledged"}
    )
    assert update.returncode == 0, update.stdout + update.stderr
    assert ticket.comments.get().body == "Zhang acknowledged"

    recovery = run_script(tmp_path, params | {"event_value": "0", "event_recovery_id": "1240"})
    assert recovery.returncode == 0, recovery.stdout + recovery.stderr
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED

    wrong = run_script(tmp_path, params | {"gongdan_secret": "wrong"})
    assert wrong.returncode != 0
    assert "401" in wrong.stdout + wrong.stderr
