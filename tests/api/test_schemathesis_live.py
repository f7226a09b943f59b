"""schemathesis with every check (`--checks all`) over every operation of /api/v1/openapi.json, against
the site running in a live server: the document must tell the truth about each answer (status codes,
content types, headers, bodies), invalid input must be refused, valid input accepted.

Valid-looking input is refused only for the business rules listed in BUSINESS_RULE_REFUSALS, each with
its reason; anything else the run finds fails this test."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from gongdan.accounts.models import User
from gongdan.api.models import ApiToken
from gongdan.api.services import api_token_create
from gongdan.tickets.services import ticket_comment, ticket_create
from tests.factories import AgentFactory, RequesterFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

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
    ("POST /api/v1/tickets/{number}/comments", (422,), "a reply needs some text once whitespace is gone"),
    ("POST /api/v1/tickets/{number}/time-entries", (422,), "work dates in the future are refused"),
    ("POST /api/v1/tickets/{number}/attachments", (400, 422), "file types refused (HTML, SVG, executables)"),
    ("POST /api/v1/auth/token", (422,), "text must not contain NUL (PostgreSQL cannot store it)"),
    ("PATCH /api/v1/users/me", (422,), "`language` and `time_zone` must be ones the site knows"),
    ("POST /api/v1/users", (422,), "usernames unique; role, language, time zone must exist"),
    ("PATCH /api/v1/users/{user_id}", (422,), "role, language, time zone and organisation must exist"),
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
    ("POST /api/v1/integrations/{slug}/alertmanager", (400, 422), "only Alertmanager's webhook payload"),
    ("POST /api/v1/integrations/{slug}/zabbix", (400, 422), "only the Gongdan Zabbix media type's payload"),
    ("POST /api/v1/integrations/{slug}/records", (400, 422), "only the record shape the integration maps"),
]
# schemathesis's own defaults, and 400: a NUL character is refused anywhere in the address (PostgreSQL
# cannot store or compare it), which a string parameter's schema cannot say.
DEFAULT_ACCEPTED = ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]


def _config(path: Path, *, spare_token: int, spare_user: int) -> Path:
    lines = ["[checks.positive_data_acceptance]", f"expected-statuses = {json.dumps(DEFAULT_ACCEPTED)}", ""]
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
    }
    for operation, parameter in spares.items():
        lines += [
            "[[operations]]",
            f"include-name = {json.dumps(operation)}",
            f"parameters = {{ {parameter} }}",
            "",
        ]
    path.write_text("\n".join(lines))
    return path


def _site() -> dict[str, int | str]:
    """An admin (who may call every operation) with a token, a team, an agent and a ticket with a reply."""
    team = TeamFactory(name="IT 支持", name_en="IT Support")
    agent = AgentFactory(username="agent")
    team.memberships.create(user=agent)
    requester = RequesterFactory(username="requester")
    admin = UserFactory(id=OWN_ID, username="fuzzer", role="admin", is_staff=True, is_superuser=True)
    ticket = ticket_create(actor=agent, subject="Printer jammed", requester=requester, team=team)
    ticket_comment(actor=agent, ticket=ticket, body="Looking at it.")
    token, raw = api_token_create(actor=admin)
    ApiToken.objects.filter(pk=token.pk).update(id=OWN_ID)
    spare_token, _raw = api_token_create(actor=admin)
    spare_user = UserFactory(username="spare", role="agent")
    return {"token": raw, "spare_token": spare_token.pk, "spare_user": spare_user.pk}


def test_the_whole_api_keeps_its_openapi_contract(live_server, tmp_path):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # The live server's threads share the test's one in-memory connection, and the apps' other
        # connections to it meet "database table is locked": the contract is checked on PostgreSQL.
        pytest.skip(
            "needs a database the live server's threads can share: run with DATABASE_URL=postgres://…"
        )
    site = _site()
    config = _config(tmp_path / "schemathesis.toml", spare_token=int(site["spare_token"]),
                     spare_user=int(site["spare_user"]))  # fmt: skip
    report = tmp_path / "report.json"
    started = time.monotonic()

    run = subprocess.run(  # noqa: S603 (our own tool, our own arguments)
        [
            str(SCHEMATHESIS),
            "--config-file",
            str(config),
            "run",
            f"{live_server.url}/api/v1/openapi.json",
            "--checks",
            "all",
            "--header",
            f"Authorization: Bearer {site['token']}",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            "20261207",
            "--no-shrink",
            "--phases",
            "examples,coverage,fuzzing",
            "--workers",
            "2",
            "--request-timeout",
            "30",
            "--report",
            "json",
            "--report-json-path",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    elapsed = time.monotonic() - started
    output = run.stdout + run.stderr
    assert "Tested: 66" in output or "Selected: 66/66" in output, output[-3000:]
    assert run.returncode == 0, f"after {elapsed:.0f}s:\n{output[-12000:]}"
    summary = [line for line in output.splitlines() if "generated" in line or "Tested:" in line]
    print(f"schemathesis --checks all: {elapsed:.0f}s, {'; '.join(s.strip() for s in summary)}")
    assert User.objects.get(pk=OWN_ID).is_active
