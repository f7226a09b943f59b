"""The hash chain: SM3 and SHA-256 chains verify; an entry edited behind the triggers' back, removed, or
cut from the end is named by the verify; the purge keeps the chain checkable from its checkpoint."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from itertools import pairwise

import pytest
from cryptography.hazmat.primitives import hashes
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from gongdan.audit import kinds
from gongdan.audit.chain import GENESIS, entry_hash
from gongdan.audit.models import AuditEntry, Checkpoint
from gongdan.audit.services import audit_chain_pending, audit_purge, audit_record
from gongdan.audit.verification import verify_chain
from gongdan.core.domain_errors import Conflict, ValidationFailed

pytestmark = pytest.mark.django_db


def record(n: int, **kwargs) -> list[AuditEntry]:
    """n entries, chained as the chainer does after their commit (tests run inside one transaction)."""
    written = [
        audit_record(kind=kinds.CONFIG_UPDATE, actor_username=f"user{i}", object_type="tickets.category",
                     object_id=i, detail={"before": {"name": f"旧{i}"}, "after": {"name": f"新{i}"}}, **kwargs)
        for i in range(n)
    ]  # fmt: skip
    audit_chain_pending()
    return [AuditEntry.objects.get(pk=entry.pk) for entry in written]


def forge(sql: str, params: list) -> None:
    """Tamper as someone with the database owner's rights would: with the triggers out of the way."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER audit_auditentry_append_only")
            cursor.execute(sql, params)
        else:
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")


@pytest.mark.parametrize("algorithm", ["sm3", "sha256"])
def test_a_chain_of_either_algorithm_verifies(settings, algorithm):
    settings.GONGDAN_AUDIT_HASH = algorithm
    entries = record(5)
    assert [e.algorithm for e in entries] == [algorithm] * 5
    assert entries[0].prev_hash == GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(entries))
    assert all(entry_hash(AuditEntry.objects.get(pk=e.pk)) == e.hash for e in entries)
    verdict = verify_chain()
    assert verdict.ok and verdict.checked == 5


def test_sm3_is_the_standard_sm3():
    # GB/T 32905-2016 appendix A, example 1: SM3("abc").
    hasher = hashes.Hash(hashes.SM3())
    hasher.update(b"abc")
    assert hasher.finalize().hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_a_chain_may_switch_algorithm_and_still_verify(settings):
    settings.GONGDAN_AUDIT_HASH = "sha256"
    record(2)
    settings.GONGDAN_AUDIT_HASH = "sm3"
    record(2)
    assert list(AuditEntry.objects.order_by("seq").values_list("algorithm", flat=True)) == [
        "sha256", "sha256", "sm3", "sm3"
    ]  # fmt: skip
    assert verify_chain().ok


def test_an_edited_entry_is_named_by_the_verify_command():
    entries = record(6)
    target = entries[3]
    forge(
        "UPDATE audit_auditentry SET detail = %s WHERE seq = %s",
        ['{"after": {"name": "forged"}}', target.seq],
    )
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("audit_verify", stdout=out, stderr=err)
    assert exit_.value.code == 1
    assert f"entry {target.seq}" in err.getvalue()
    assert verify_chain().broken.seq == target.seq


def test_a_removed_entry_and_a_cut_tail_are_named(history_deletable):
    entries = record(5)
    with history_deletable():
        AuditEntry.objects.filter(seq=entries[2].seq).delete()
    assert verify_chain().broken.seq == entries[2].seq
    with history_deletable():
        AuditEntry.objects.filter(seq__gte=entries[2].seq).delete()
    broken = verify_chain().broken
    assert broken is not None and broken.seq == entries[2].seq and broken.reason == "missing"


def test_the_verify_command_reports_a_whole_chain(capsys):
    record(3)
    call_command("audit_verify")
    assert "3 entries" in capsys.readouterr().out


def test_the_purge_removes_only_a_whole_old_segment_and_verify_starts_at_its_checkpoint(monkeypatch):
    # Given three entries written a year ago and two written today
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now - timedelta(days=365))
    old = record(3)
    monkeypatch.setattr(timezone, "now", lambda: now)
    recent = record(2)
    # When the retention purge runs
    checkpoint = audit_purge()
    # Then the old segment is gone, a checkpoint holds its last hash, the purge is itself recorded …
    assert checkpoint is not None and checkpoint.seq == old[-1].seq and checkpoint.hash == old[-1].hash
    assert checkpoint.purged == 3
    audit_chain_pending()
    remaining = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in remaining[:2]] == [e.seq for e in recent]
    assert remaining[-1].kind == kinds.AUDIT_PURGE and remaining[-1].detail["purged"] == 3
    # … and the chain still verifies, from the checkpoint
    verdict = verify_chain()
    assert verdict.ok and verdict.first_seq == recent[0].seq and verdict.checked == 3
    # A second purge finds nothing old enough
    assert audit_purge() is None


def test_the_purge_refuses_to_destroy_a_broken_segment(monkeypatch):
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now - timedelta(days=365))
    old = record(3)
    monkeypatch.setattr(timezone, "now", lambda: now)
    forge("UPDATE audit_auditentry SET actor_username = %s WHERE seq = %s", ["someone-else", old[1].seq])
    with pytest.raises(Conflict):
        audit_purge()
    assert AuditEntry.objects.count() == 3 and not Checkpoint.objects.exists()


def test_a_purge_younger_than_the_retention_is_refused():
    record(1)
    with pytest.raises(ValidationFailed) as refused:
        audit_purge(before=timezone.now() - timedelta(days=10))
    assert "before" in refused.value.details
