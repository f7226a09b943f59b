"""The database itself refuses to change or remove audit entries and ticket events — through the ORM, through
raw SQL on the ORM's connection, and (PostgreSQL) through TRUNCATE. Only the purge's permit lets a
delete through."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from gongdan.audit import kinds
from gongdan.audit.models import AuditEntry, Checkpoint
from gongdan.audit.services import audit_chain_pending, audit_record
from gongdan.audit.verification import verify_chain
from gongdan.tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def unchained(admin_user):
    return audit_record(kind=kinds.USER_CREATE, actor=admin_user, object_type="accounts.user", object_id=7)


@pytest.fixture
def entry(unchained):
    audit_chain_pending()
    return AuditEntry.objects.get(pk=unchained.pk)


def refused(statement: str, params: list | None = None) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def test_the_orm_cannot_update_or_delete_an_audit_entry(entry):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(actor_username="nobody")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        entry.actor_username = "nobody"
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).actor_username == "admin"
    assert verify_chain().ok


def test_raw_sql_through_the_orm_cannot_either(entry):
    refused("UPDATE audit_auditentry SET kind = 'sign_out' WHERE id = %s", [entry.pk])
    refused("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    refused("DELETE FROM audit_auditentry")
    Checkpoint.objects.create(seq=0, hash="0" * 64, purged_before=entry.occurred_at)
    refused("UPDATE audit_checkpoint SET hash = 'x'")
    refused("DELETE FROM audit_checkpoint")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.postgres
def test_truncate_is_refused_on_postgresql(entry, make_ticket):
    make_ticket()
    refused("TRUNCATE audit_auditentry")
    refused("TRUNCATE tickets_ticketevent CASCADE")
    assert AuditEntry.objects.exists() and TicketEvent.objects.exists()


def test_ticket_events_refuse_delete_as_well_as_update(make_ticket):
    ticket = make_ticket()
    event = ticket.events.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        TicketEvent.objects.filter(pk=event.pk).delete()
    refused("DELETE FROM tickets_ticketevent WHERE id = %s", [event.pk])
    refused("UPDATE tickets_ticketevent SET kind = 'forged' WHERE id = %s", [event.pk])
    assert TicketEvent.objects.get(pk=event.pk).kind == "created"


def test_a_permit_outside_the_transaction_that_holds_it_is_not_seen(entry):
    # The purge's permit row lives and dies inside its transaction: one left behind by a rolled-back
    # purge does not exist afterwards.
    with pytest.raises(RuntimeError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO audit_purge_permit (reason) VALUES ('purge')")
        raise RuntimeError("the purge failed")
    refused("DELETE FROM audit_auditentry")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_before_its_link_an_entry_takes_only_its_chain_columns_once(unchained):
    # Given an entry committed but not yet chained (decision 0135)
    assert unchained.seq is None and unchained.hash == ""
    # Its content cannot change, alone or hidden in the chainer's own update
    refused("UPDATE audit_auditentry SET kind = 'sign_out' WHERE id = %s", [unchained.pk])
    refused(
        "UPDATE audit_auditentry SET seq = 1, prev_hash = 'a', hash = 'b', object_id = '8' WHERE id = %s",
        [unchained.pk],
    )
    refused("UPDATE audit_auditentry SET seq = 1 WHERE id = %s", [unchained.pk])  # a number without a hash
    # The chainer's update goes through, once
    assert audit_chain_pending() == 1
    chained = AuditEntry.objects.get(pk=unchained.pk)
    assert chained.seq == 1 and chained.hash and chained.object_id == "7"
    refused("UPDATE audit_auditentry SET seq = 2, hash = 'b' WHERE id = %s", [unchained.pk])
    refused("UPDATE audit_auditentry SET seq = NULL, prev_hash = '', hash = '' WHERE id = %s", [unchained.pk])
    assert verify_chain().ok
