"""The append's own path (decision 0180): one INSERT with no sequence number, the detail as JSON text built
once, a prepared statement on PostgreSQL; still counted like any other query, still chained and verified,
and the indexes the readers use hold the chained entries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongdan.audit import kinds
from gongdan.audit.models import AuditEntry
from gongdan.audit.selectors import EntryFilters, entry_page
from gongdan.audit.services import audit_chain_pending, audit_record, unchained_count
from gongdan.audit.verification import verify_chain

pytestmark = pytest.mark.django_db


def test_an_append_is_one_counted_insert_and_reads_back_as_written():
    with CaptureQueriesContext(connection) as queries:
        entry = audit_record(kind=kinds.CONFIG_UPDATE, actor_username="张三", object_type="sla.policy", object_id=7,
                             detail={"before": {"name": "旧", "due": date(2027, 1, 2)}, "after": {"cost": Decimal("1.50")}})  # fmt: skip
    inserts = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"].upper()]
    assert len(inserts) == 1 and "audit_auditentry" in inserts[0] and '"seq"' not in inserts[0]
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.seq is None and stored.hash == "" and stored.prev_hash == ""
    assert (
        stored.detail
        == entry.detail
        == {"before": {"name": "旧", "due": "2027-01-02"}, "after": {"cost": "1.50"}}
    )
    assert unchained_count() == 1


def test_chained_entries_are_found_by_the_screen_and_the_verify_holds(auditor):
    for i in range(3):
        audit_record(kind=kinds.SIGN_OUT, actor_username=f"user{i}")
    assert entry_page(actor=auditor, filters=EntryFilters())[0] == []  # waiting for the chainer
    assert audit_chain_pending() == 3
    page, _more = entry_page(actor=auditor, filters=EntryFilters(kind=kinds.SIGN_OUT))
    assert [e.actor_username for e in page] == ["user2", "user1", "user0"]
    assert verify_chain().ok and unchained_count() == 0


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_on_postgresql_the_append_is_a_prepared_statement_of_the_connection():
    for i in range(2):
        audit_record(kind=kinds.SIGN_OUT, actor_username=f"user{i}")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['INSERT INTO "audit_auditentry"%'],
        )
        assert cursor.fetchone()[0] == 1  # prepared once, run twice
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'audit_auditentry' AND indexdef NOT LIKE %s",
            ["%WHERE%"],
        )
        assert [row[0] for row in cursor.fetchall()] == ["audit_auditentry_pkey"]  # the rest are partial
