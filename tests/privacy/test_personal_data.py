"""Personal data rights: export (zip, audited), erasure (nothing of the email left in a database dump or the
search index; tickets keep numbers and history), retention (dry run first, audited)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import zipfile
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from gongdan.accounts.models import User
from gongdan.audit.models import AuditEntry
from gongdan.core.domain_errors import ValidationFailed
from gongdan.privacy import services as privacy
from gongdan.tickets import services
from gongdan.tickets.models import Attachment, Ticket
from gongdan.tickets.search import apply_search
from gongdan.tickets.services import IncomingFile
from tests.factories import CustomFieldFactory, RequesterFactory
from tests.peers import require_peer

pytestmark = pytest.mark.django_db(transaction=True)
EMAIL = "wang.fang.private@example.org"
PHONE = "13912345678"


@pytest.fixture
def person(organisation):
    return RequesterFactory(
        username="wangfang", email=EMAIL, display_name="王芳", phone=PHONE, organisation=organisation
    )


@pytest.fixture
def their_ticket(person, category, agent):
    CustomFieldFactory(category=category, key="id_number", label="身份证号", sensitive=True, personal=True)
    ticket = services.ticket_create(
        actor=person, subject=f"门禁卡 for {EMAIL}", requester=person, category=category,
        description=f"请联系 {PHONE} 或 {EMAIL}，王芳", custom_values={"id_number": "110101199003071234"},
    )  # fmt: skip
    services.ticket_comment(actor=agent, ticket=ticket, body=f"已给 {EMAIL} 回电")
    services.attachment_add(actor=person, ticket=ticket, file=IncomingFile(name="photo.png", content=PNG))
    ticket.refresh_from_db()
    return ticket


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001a5f645400000000049454e44ae426082"
)


def database_dump() -> str:
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    return subprocess.run(  # noqa: S603 — our own arguments
        [require_peer("pg_dump"), "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"], db["NAME"]],
        capture_output=True, text=True, check=True, env=env,
    ).stdout  # fmt: skip


def test_export_is_a_zip_of_their_records_and_files_and_is_audited(their_ticket, person, admin_user):
    archive = zipfile.ZipFile(privacy.personal_data_export(actor=admin_user, user=person))
    document = json.loads(archive.read("personal-data.json"))
    assert document["accounts"]["profile"]["email"] == EMAIL
    requested = document["tickets"]["tickets_requested"]
    assert requested[0]["number"] == their_ticket.number
    assert requested[0]["custom_fields"]["id_number"] == "110101199003071234"  # opened for the person
    [upload] = document["tickets"]["attachments_uploaded"]
    assert archive.read(upload["file"]) == PNG
    entry = AuditEntry.objects.get(kind="data.export")
    assert entry.actor_id == admin_user.pk and entry.object_id == str(person.pk)


def test_the_export_command_writes_a_file_only_its_owner_reads(their_ticket, person, tmp_path):
    target = tmp_path / "out.zip"
    call_command("personal_data_export", "wangfang", "--output", str(target), stdout=StringIO())
    assert target.stat().st_mode & 0o777 == 0o600
    assert "personal-data.json" in zipfile.ZipFile(target).namelist()


def test_erasure_leaves_no_trace_of_the_email_in_a_dump_nor_the_search_index(
    their_ticket, person, admin_user, agent, django_capture_on_commit_callbacks
):
    upload = Attachment.objects.get(ticket=their_ticket)
    stored_file = upload.file.name
    assert EMAIL in database_dump()
    number, events_before = their_ticket.number, their_ticket.events.count()

    with django_capture_on_commit_callbacks(execute=True):  # the files go once the erasure commits
        erasure = privacy.person_erase(actor=admin_user, user=person, confirm="wangfang")

    dump = database_dump()
    for trace in (EMAIL, PHONE, "wangfang", "110101199003071234", "王芳", json.dumps("王芳")[1:-1]):
        assert trace not in dump, dump[max(0, dump.find(trace) - 300) : dump.find(trace) + 100]
    ticket = Ticket.objects.get(pk=their_ticket.pk)
    assert ticket.number == number and ticket.events.count() == events_before
    assert erasure.pseudonym in ticket.subject and "id_number" not in ticket.custom_values
    assert not apply_search(Ticket.objects.all(), "wang.fang.private", include_internal=True).exists()
    assert apply_search(Ticket.objects.all(), erasure.pseudonym, include_internal=True).exists()
    assert not default_storage.exists(stored_file) and not Attachment.objects.filter(ticket=ticket).exists()
    person.refresh_from_db()
    assert not person.is_active and not person.has_usable_password() and person.username == erasure.pseudonym
    entry = AuditEntry.objects.get(kind="privacy.erase")
    assert entry.object_id == str(person.pk) and EMAIL not in json.dumps(entry.detail)


def test_erasure_needs_the_username_and_changes_nothing_otherwise(their_ticket, person, admin_user):
    with pytest.raises(ValidationFailed):
        privacy.person_erase(actor=admin_user, user=person, confirm="someone-else")
    assert User.objects.get(pk=person.pk).email == EMAIL
    assert not AuditEntry.objects.filter(kind="privacy.erase").exists()


def test_erasure_revokes_their_sessions(their_ticket, person, admin_user, client):
    client.force_login(person)
    assert client.get("/api/v1/users/me").status_code == 200
    privacy.person_erase(actor=admin_user, user=person, confirm="wangfang")
    assert client.get("/api/v1/users/me").status_code == 401


def test_retention_dry_run_counts_then_the_run_purges_closed_tickets_and_is_audited(
    their_ticket, person, admin_user, agent
):
    for _step in range(6):  # through the workflow to "closed", the way an agent would
        if their_ticket.status == "closed":
            break
        moves = {t.to_status: t for t in services.available_transitions(actor=agent, ticket=their_ticket)}
        move = next(moves[s] for s in ("closed", "resolved", "in_progress", "assigned") if s in moves)
        their_ticket = services.ticket_transition(actor=agent, ticket=their_ticket, action=move.action,
                                                  note="done" if move.requires_note else "")  # fmt: skip
    assert their_ticket.status == "closed"
    # Closed long ago: the clock of the test cannot wait a year.
    Ticket.objects.filter(pk=their_ticket.pk).update(closed_at=timezone.now() - timedelta(days=400))
    privacy.retention_settings_update(actor=admin_user, closed_ticket_months=12)

    preview = privacy.retention_run(actor=admin_user, dry_run=True)
    assert preview.counts["tickets"] == {"tickets": 1, "attachments": 1}
    assert "id_number" in Ticket.objects.get(pk=their_ticket.pk).custom_values
    assert not AuditEntry.objects.filter(kind="privacy.retention").exists()

    privacy.retention_run(actor=None, dry_run=False)
    ticket = Ticket.objects.get(pk=their_ticket.pk)
    assert "id_number" not in ticket.custom_values and not ticket.attachments.exists()
    assert AuditEntry.objects.filter(kind="privacy.retention").count() == 1
    assert privacy.retention_run(actor=None, dry_run=True).counts["tickets"] == {
        "tickets": 0,
        "attachments": 0,
    }
    assert AuditEntry.objects.filter(kind="config.update", object_type="privacy.retentionsettings").exists()


def test_the_privacy_screen_finds_exports_and_erases(their_ticket, person, admin_browser):
    page = admin_browser.get("/settings/privacy/?q=wangfang")
    assert page.status_code == 200 and EMAIL in page.content.decode()
    export = admin_browser.post(f"/settings/privacy/people/{person.pk}/export/")
    assert export.status_code == 200 and export["Content-Type"] == "application/zip"
    assert "personal-data.json" in zipfile.ZipFile(io.BytesIO(export.content)).namelist()
    wrong = admin_browser.post(f"/settings/privacy/people/{person.pk}/erase/", {"confirm": "nope"})
    assert wrong.status_code == 422 and User.objects.get(pk=person.pk).email == EMAIL
    done = admin_browser.post(f"/settings/privacy/people/{person.pk}/erase/", {"confirm": "wangfang"})
    assert done.status_code == 302 and User.objects.get(pk=person.pk).email == ""


def test_erasure_reaches_approval_comments_delegations_and_rule_runs(
    their_ticket, person, admin_user, agent, django_capture_on_commit_callbacks
):
    """An approver's comment naming the requester, a delegation, and what an automation rule wrote about
    them: none may survive an erasure, while the decisions and runs stay as the site's record."""
    from gongdan.approvals import services as approvals
    from gongdan.approvals.models import ApprovalTask, Delegation
    from gongdan.automation.models import Macro, Rule, RuleRun

    flow = approvals.flow_create(actor=admin_user, name="门禁审批", name_en="Access approval", code="access",
                                 category=their_ticket.category)  # fmt: skip
    approvals.stage_create(actor=admin_user, flow=flow, name="主管", name_en="Lead", approver_kind="people",
                           approver_people=[agent], mode="all")  # fmt: skip
    approvals.approval_start(actor=admin_user, ticket=their_ticket)
    task = ApprovalTask.objects.get(approver=agent)
    approvals.approval_decide(
        actor=agent, task_id=task.pk, decision="approve", comment=f"王芳 的卡 {PHONE} 已核实"
    )
    now = timezone.now()
    Delegation.objects.create(person=agent, delegate=person, starts_at=now, ends_at=now + timedelta(days=1),
                              note="王芳 代批")  # fmt: skip
    rule = Rule.objects.create(name="tag", trigger="created", position=10)
    RuleRun.objects.create(rule=rule, ticket=their_ticket, outcome="applied",
                           changes=[{"field": "note", "to": f"已通知 {EMAIL}"}], message=f"mailed {EMAIL}")  # fmt: skip
    Macro.objects.create(name="我的回复", body=f"请找 {EMAIL}", owner=person, visibility="personal")

    export = json.loads(zipfile.ZipFile(privacy.personal_data_export(actor=admin_user, user=person)).read(
        "personal-data.json"))  # fmt: skip
    assert export["approvals"]["delegations"][0]["note"] == "王芳 代批"
    assert export["automation"]["personal_macros"][0]["name"] == "我的回复"

    with django_capture_on_commit_callbacks(execute=True):
        erasure = privacy.person_erase(actor=admin_user, user=person, confirm="wangfang")

    task.refresh_from_db()
    assert task.status == "approved" and "王芳" not in task.comment and PHONE not in task.comment
    assert erasure.pseudonym in task.comment
    assert not Delegation.objects.exists() and not Macro.objects.filter(owner=person).exists()
    run = RuleRun.objects.get(rule=rule)
    assert EMAIL not in json.dumps(run.changes) and EMAIL not in run.message
    dump = database_dump()
    for trace in (EMAIL, PHONE, "王芳"):
        assert trace not in dump
