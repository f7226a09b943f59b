"""schemathesis with every check (`--checks all`) over every operation of /api/v1/openapi.json, against
a running site: on PostgreSQL the test database served by a live server; on SQLite (whose test database
lives in memory, which another process cannot reach and the server's threads cannot share) the production
stack itself, gunicorn's ASGI workers behind the request limits, on a database file of its own. the document must tell the truth about each answer (status codes,
content types, headers, bodies), invalid input must be refused, valid input accepted.

Valid-looking input is refused only for the business rules listed in BUSINESS_RULE_REFUSALS, each with
its reason; anything else the run finds fails this test."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from gongdan.accounts.models import User
from gongdan.api.models import ApiToken
from gongdan.api.services import api_token_create
from gongdan.assets.services import asset_create, asset_type_create
from gongdan.integrations.services import integration_create
from gongdan.tickets.services import ticket_comment, ticket_create
from tests.factories import AgentFactory, CategoryFactory, RequesterFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.slow

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
MAX_EXAMPLES = 8  # per operation and phase: ~2 minutes for the whole API on two cores
# Rows the fuzzer must not reach with the ids it guesses (its own token, its own account): ids far away.
OWN_ID = 10**9

# Statuses positive_data_acceptance expects besides its defaults (2xx, 3xx, 401, 403, 404, 409, 429): a
# request the schema allows that a business rule refuses. Each: operation, statuses, why.
BUSINESS_RULE_REFUSALS: list[tuple[str, tuple[int, ...], str]] = [
    ("GET /api/v1/tickets", (422,), "`cursor` is opaque: only a `next_cursor` the API gave is one"),
    ("GET /api/v1/users", (422,), "`cursor` is opaque: only a `next_cursor` the API gave is one"),
    ("POST /api/v1/tickets", (422,), "ids and codes must name rows that exist; per-category required fields"),
    ("PATCH /api/v1/tickets/{number}", (412, 422, 428), "version guard (If-Match/version); rows must exist"),
    ("POST /api/v1/tickets/{number}/transitions", (422,), "`action` must be a transition of the workflow"),
    ("POST /api/v1/tickets/{number}/links", (422,), "the other ticket must exist and be visible"),
    ("POST /api/v1/tickets/{number}/merge", (422,), "the other ticket must exist and be visible"),
    (
        "POST /api/v1/saved-views",
        (422,),
        "the team must be one of the caller's; a name is used once; filters parse",
    ),
    (
        "PATCH /api/v1/saved-views/{view_id}",
        (422,),
        "the team must be one of the caller's; a name is used once",
    ),
    ("POST /api/v1/tickets/{number}/comments", (422,), "a reply needs some text once whitespace is gone"),
    (
        "POST /api/v1/assets/{code}/meters",
        (422,),
        "a meter's code is used once per asset; an MQTT topic needs a value path",
    ),
    (
        "PATCH /api/v1/meters/{meter_id}",
        (422,),
        "an MQTT topic needs a value path; the code is used once per asset",
    ),
    ("POST /api/v1/meter-readings", (422,), "every reading names a meter that exists (the row is named)"),
    ("POST /api/v1/tickets/{number}/time-entries", (422,), "work dates in the future are refused"),
    ("POST /api/v1/tickets/{number}/attachments", (400, 422), "file types refused (HTML, SVG, executables)"),
    ("POST /api/v1/auth/token", (422,), "text must not contain NUL (PostgreSQL cannot store it)"),
    ("PATCH /api/v1/users/me", (422,), "`time_zone` must be an IANA zone the site knows"),
    ("POST /api/v1/users", (422,), "usernames are unique; the time zone and organisation must exist"),
    ("PATCH /api/v1/users/{user_id}", (422,), "the time zone and organisation must exist"),
    (
        "POST /api/v1/users/{user_id}/deactivate",
        (422,),
        "an admin cannot deactivate themselves or the last admin",
    ),
    ("POST /api/v1/teams", (422,), "team names are unique; the parent must exist"),
    ("PATCH /api/v1/teams/{team_id}", (422,), "team names are unique; the parent must exist, without cycles"),
    ("PUT /api/v1/teams/{team_id}/members", (422,), "members and leads must be active staff"),
    ("PUT /api/v1/routing/presence/me", (422,), "latitude and longitude come together"),
    ("POST /api/v1/routing/dry-run", (422,), "category, organisation and location must exist"),
    ("POST /api/v1/routing/tickets/{number}/reroute", (422,), "only open tickets are rerouted"),
    ("POST /api/v1/field/position", (422,), "latitude and longitude come together"),
    ("POST /api/v1/field/jobs/{number}/start", (422,), "a check-in needs a position or the reason for none"),
    ("POST /api/v1/field/jobs/{number}/pause", (422,), "a check-out needs a position or the reason for none"),
    ("POST /api/v1/field/jobs/{number}/finish", (422,), "a resolution note and a readable signature"),
    ("POST /api/v1/field/jobs/{number}/notes", (422,), "a note needs some text once whitespace is gone"),
    ("POST /api/v1/field/jobs/{number}/accept", (422,), "only a member of the job's team takes it"),
    ("POST /api/v1/field/jobs/{number}/time", (422,), "time is logged by the job's technician"),
    ("GET /api/v1/field/resolve", (422,), "only codes Gongdan printed (job, location, form) resolve"),
    ("POST /api/v1/field/jobs/{number}/photos", (422,), "the body must be a real JPEG, PNG or WebP image"),
    ("GET /api/v1/reports/dashboard", (422,), "filters must name rows that exist; periods have a maximum"),
    (
        "GET /api/v1/reports/maintenance",
        (422,),
        "criticality is A, B or C; ids are positive; periods have a maximum",
    ),
    ("POST /api/v1/integrations/{slug}/alertmanager", (400, 422), "only Alertmanager's webhook payload"),
    ("POST /api/v1/integrations/{slug}/zabbix", (400, 422), "only the Gongdan Zabbix media type's payload"),
    ("POST /api/v1/integrations/{slug}/records", (400, 422), "only the record shape the integration maps"),
    ("POST /api/v1/asset-types", (422,), "asset type codes are unique"),
    ("PATCH /api/v1/asset-types/{type_id}", (422,), "asset type codes are unique"),
    (
        "POST /api/v1/asset-types/{type_id}/fields",
        (422,),
        "keys are unique per type; a choice field has choices",
    ),
    ("GET /api/v1/assets", (422,), "`cursor` is opaque: only a `next_cursor` the API gave is one"),
    ("POST /api/v1/assets", (422,), "codes are unique; type, location, parent must exist; the type's fields"),
    ("PATCH /api/v1/assets/{code}", (422,), "as for create, and no asset inside its own components"),
    ("POST /api/v1/assets/{code}/retire", (422,), "its components are retired or moved first"),
    (
        "POST /api/v1/asset-register/import",
        (422,),
        "only a readable XLSX or CSV (UTF-8/UTF-16/GBK) with the documented header",
    ),
    (
        "POST /api/v1/assets/{code}/documents",
        (422,),
        "file types refused (HTML, SVG, executables, empty); a photo must be an image",
    ),
    ("POST /api/v1/tickets/{number}/asset-down", (422,), "the ticket must be about an asset in use"),
    ("POST /api/v1/tickets/{number}/approvals", (422,), "an approval is asked only where a flow applies"),
    ("POST /api/v1/approvals/tasks/{task_id}/decide", (422,), "a rejection or a send-back says why"),
    ("POST /api/v1/automation/rules", (422,), "a rule needs a trigger and an action; its fields must exist"),
    ("PUT /api/v1/automation/rules/{rule_id}", (422,), "as for create; text must not contain NUL"),
    ("POST /api/v1/automation/rules/{rule_id}/revert", (422,), "a version is a whole number, not 1.0"),
    ("POST /api/v1/automation/import", (422,), "only a Gongdan automation export (gongdan.automation/1)"),
    ("POST /api/v1/macros", (422,), "a macro needs a reply or a field change"),
    ("GET /api/v1/parts", (422,), "`cursor` is opaque: only a `next_cursor` the API gave is one"),
    ("GET /api/v1/stock-movements", (422,), "`cursor` is opaque: only a `next_cursor` the API gave is one"),
    ("POST /api/v1/parts", (422,), "part codes are unique; asset types and assets must exist"),
    ("PATCH /api/v1/parts/{code}", (422,), "asset types and assets must exist; a name stays"),
    ("POST /api/v1/stores", (422,), "store codes are unique; the location must exist"),
    ("POST /api/v1/parts/{code}/receipts", (422,), "the store must exist and be open; the part in use"),
    ("POST /api/v1/parts/{code}/transfers", (422,), "both stores must exist and differ"),
    ("POST /api/v1/parts/{code}/counts", (422,), "the store must exist; a count says why"),
    ("POST /api/v1/tickets/{number}/parts", (422,), "the part and the store must exist, be in use and open"),
    ("POST /api/v1/tickets/{number}/parts/{usage_id}/return", (422,), "no more back than was taken"),
    ("PUT /api/v1/macros/{macro_id}", (422,), "as for create; text must not contain NUL"),
    ("POST /api/v1/macros/{macro_id}/revert", (422,), "a version is a whole number, not 1.0"),
    ("POST /api/v1/approvals/flows/{flow_id}/revert", (422,), "a version is a whole number, not 1.0"),
    ("POST /api/v1/macros/{macro_id}/apply", (422,), "a version is a whole number, not 1.0"),
    (
        "POST /api/v1/macros/{macro_id}/apply-bulk",
        (422,),
        "blank ticket numbers name no ticket; versions are whole numbers",
    ),
    (
        "PUT /api/v1/workflows/{key}/draft",
        (422,),
        "a definition's states and transitions must be well-formed",
    ),
    (
        "POST /api/v1/workflows/{key}/validate",
        (422,),
        "a definition's states and transitions must be well-formed",
    ),
    (
        "POST /api/v1/workflows/{key}/publish",
        (422,),
        "only a draft without problems; open tickets of removed states need a mapping",
    ),
    ("GET /api/v1/configuration/export", (422,), "sections are the ones this site registered"),
    (
        "POST /api/v1/configuration/import",
        (422,),
        "only a Gongdan configuration file whose rows resolve here",
    ),
    ("POST /api/v1/configuration/versions/{number}/revert", (422,), "the version's rows must still resolve"),
    (
        "POST /api/v1/rounds",
        (422,),
        "names are unique; stops, checklists, people must exist; weekdays weekly only",
    ),
    ("PATCH /api/v1/rounds/{round_id}", (422,), "as for create; the technician is in the round's team"),
    (
        "POST /api/v1/round-runs/{run_id}/stops/{position}/check-in",
        (422,),
        "only the stop's own label; recorded_at not in the future nor before the run; a client_id used once",
    ),
    (
        "POST /api/v1/round-runs/{run_id}/stops/{position}/confirm",
        (422,),
        "a reason once whitespace is gone; recorded_at and client_id as for check-in",
    ),
    (
        "POST /api/v1/round-runs/{run_id}/stops/{position}/answers",
        (422,),
        "steps of the stop's checklist, all; a photo is a picture; recorded_at and client_id as for check-in",
    ),
    ("GET /api/v1/locations", (422,), "`cursor` is opaque; `parent` must exist"),
    ("POST /api/v1/locations", (422,), "codes are unique; a name once per parent; the parent must exist"),
    ("PATCH /api/v1/locations/{code}", (422,), "as for create, and no place inside its own places"),
]
# schemathesis's own defaults, and 400: a NUL character is refused anywhere in the address (PostgreSQL
# cannot store or compare it), which a string parameter's schema cannot say.
DEFAULT_ACCEPTED = ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]


# schemathesis's defaults for invalid input, and 413/414: a body or an address longer than the web server
# reads is refused before our code can name the field that is too long.
INVALID_REFUSED = ["400", "401", "403", "404", "405", "406", "409", "413", "414", "415", "422", "428", "429"]


def _config(path: Path, *, spare_token: int, spare_user: int, secrets: dict[str, str]) -> Path:
    lines = [
        "[checks.positive_data_acceptance]",
        f"expected-statuses = {json.dumps(DEFAULT_ACCEPTED)}",
        "",
        "[checks.negative_data_rejection]",
        f"expected-statuses = {json.dumps(INVALID_REFUSED)}",
        "",
    ]
    for operation, statuses, _reason in BUSINESS_RULE_REFUSALS:
        accepted = DEFAULT_ACCEPTED + [str(s) for s in statuses]
        lines += [
            "[[operations]]",
            f"include-name = {json.dumps(operation)}",
            f"checks.positive_data_acceptance.expected-statuses = {json.dumps(accepted)}",
            "",
        ]
    # The fuzzer's own token and account stay usable: revoking and changing hit spare ones.
    spares = {
        "DELETE /api/v1/auth/tokens/{token_id}": f"token_id = {spare_token}",
        "PATCH /api/v1/users/{user_id}": f"user_id = {spare_user}",
        "POST /api/v1/users/{user_id}/deactivate": f"user_id = {spare_user}",
        "POST /api/v1/users/{user_id}/reactivate": f"user_id = {spare_user}",
        "POST /api/v1/users/{user_id}/unlock": f"user_id = {spare_user}",
    }
    # The webhooks authenticate with their integration's secret, at their integration's address.
    for path_kind, kind in (("alertmanager", "alertmanager"), ("zabbix", "zabbix"), ("records", "inbound")):
        lines += [
            "[[operations]]",
            f'include-name = "POST /api/v1/integrations/{{slug}}/{path_kind}"',
            f'headers = {{ Authorization = "Bearer {secrets[kind]}" }}',
            f'parameters = {{ slug = "{kind}" }}',
            "",
        ]
    for operation, parameter in spares.items():
        lines += [
            "[[operations]]",
            f"include-name = {json.dumps(operation)}",
            f"parameters = {{ {parameter} }}",
            "",
        ]
    path.write_text("\n".join(lines))
    return path


def _site() -> dict[str, Any]:
    """An admin (who may call every operation) with a token, a team, an agent and a ticket with a reply."""
    team = TeamFactory(name="IT 支持", name_en="IT Support")
    agent = AgentFactory(username="agent")
    team.memberships.create(user=agent)
    requester = RequesterFactory(username="requester")
    admin = UserFactory(id=OWN_ID, username="fuzzer", role="admin", is_staff=True, is_superuser=True)
    kind = asset_type_create(actor=None, name="空压机", name_en="Air compressor", code="compressor")
    asset = asset_create(actor=None, code="AC-01", name="Compressor", asset_type=kind)
    ticket = ticket_create(actor=agent, subject="Printer jammed", requester=requester, team=team, asset=asset)
    ticket_comment(actor=agent, ticket=ticket, body="Looking at it.")
    token, raw = api_token_create(actor=admin)
    ApiToken.objects.filter(pk=token.pk).update(id=OWN_ID)
    spare_token, _raw = api_token_create(actor=admin)
    spare_user = UserFactory(username="spare", role="agent")
    category = CategoryFactory(default_team=team)
    secrets = {}
    for kind, extra in (("alertmanager", {}), ("zabbix", {}), ("inbound", {"external_id_path": "Id"})):
        _integration, secrets[kind] = integration_create(
            actor=admin, kind=kind, name=kind, slug=kind, category=category, **extra
        )
    return {"token": raw, "spare_token": spare_token.pk, "spare_user": spare_user.pk, "secrets": secrets}


def _schemathesis(base_url: str, site: dict[str, Any], tmp_path: Path) -> None:
    config = _config(tmp_path / "schemathesis.toml", spare_token=int(site["spare_token"]),
                     spare_user=int(site["spare_user"]), secrets=site["secrets"])  # fmt: skip
    started = time.monotonic()
    command = [
        str(SCHEMATHESIS), "--config-file", str(config), "run", f"{base_url}/api/v1/openapi.json",
        "--checks", "all", "--header", f"Authorization: Bearer {site['token']}",
        "--max-examples", str(MAX_EXAMPLES), "--seed", "20261207", "--no-shrink",
        "--phases", "examples,coverage,fuzzing", "--workers", "2", "--request-timeout", "30",
    ]  # fmt: skip
    # In the test's folder: schemathesis keeps a cache (.schemathesis/) where it runs.
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path)  # noqa: S603

    elapsed = time.monotonic() - started
    output = run.stdout + run.stderr
    assert "Selected: 163/163" in output, output[-3000:]
    failures = output[output.find("= FAILURES =") :]
    assert run.returncode == 0, f"after {elapsed:.0f}s:\n{failures[:20000]}"
    summary = [line.strip() for line in output.splitlines() if "generated," in line or "⚠️" in line]
    print(f"schemathesis --checks all: {elapsed:.0f}s, {'; '.join(summary)}")


def _in_memory_sqlite() -> bool:
    return connection.vendor == "sqlite" and connection.is_in_memory_db()


@pytest.mark.django_db(transaction=True)
def test_the_api_served_by_the_live_server_keeps_its_openapi_contract(live_server, tmp_path):
    if _in_memory_sqlite():
        pytest.skip("the in-memory test database: see the gunicorn test below")
    site = _site()

    _schemathesis(live_server.url, site, tmp_path)

    assert User.objects.get(pk=OWN_ID).is_active


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own loopback URL)
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.3)


SEED = "import django, json; django.setup(); from tests.api.test_schemathesis_live import _site; print(json.dumps(_site()))"


def test_the_api_served_by_gunicorn_keeps_its_openapi_contract(tmp_path):
    if not _in_memory_sqlite():
        pytest.skip("PostgreSQL: the live server test above serves the test database")
    port = _free_port()
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gongdan.project.settings_test",
        "GONGDAN_DATA_DIR": str(tmp_path / "site"),
        "GONGDAN_PORT": str(port),
        "GONGDAN_WEB_WORKERS": "2",
        "PYTHONPATH": os.pathsep.join([str(root / "src"), str(root)]),
    }
    env.pop("DATABASE_URL", None)
    (tmp_path / "site").mkdir()
    python = sys.executable
    run = {"env": env, "cwd": root, "check": True, "capture_output": True, "text": True, "timeout": 300}
    subprocess.run([python, "-m", "django", "migrate", "-v0"], **run)  # noqa: S603
    seeded = subprocess.run([python, "-c", SEED], **run)  # noqa: S603
    site = json.loads(seeded.stdout.strip().splitlines()[-1])
    gunicorn = [
        python,
        "-m",
        "gunicorn",
        "-c",
        "python:gongdan.project.gunicorn_conf",
        "gongdan.project.asgi:application",
    ]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    server = subprocess.Popen(gunicorn, env=env, cwd=root, **quiet)  # noqa: S603
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", 60)

        _schemathesis(f"http://127.0.0.1:{port}", site, tmp_path)
    finally:
        server.terminate()
        server.wait(timeout=30)
