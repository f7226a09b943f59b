"""Idempotency records are kept for a day, then purged by a periodic task."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gongdan.api.models import IdempotencyRecord
from gongdan.api.tasks import purge_idempotency_records


@pytest.mark.django_db
def test_purge_forgets_records_older_than_a_day_and_keeps_recent_ones(agent):
    now = timezone.now()
    for key, age in (
        ("old", timedelta(hours=25)),
        ("older", timedelta(days=3)),
        ("fresh", timedelta(hours=2)),
    ):
        IdempotencyRecord.objects.create(user=agent, key=key, method="POST", path="/api/v1/tickets",
                                         request_hash="0" * 64, created_at=now - age)  # fmt: skip
    assert purge_idempotency_records.call_local() == 2
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]
    assert purge_idempotency_records.call_local() == 0  # safe to run again, or on two consumers


@pytest.mark.django_db
def test_files_left_by_rolled_back_uploads_are_purged_after_a_day(agent, team):
    import os

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from gongdan.tickets.services import IncomingFile, attachment_add, ticket_create
    from gongdan.tickets.tasks import purge_orphan_attachment_files

    # Given a kept attachment, an old file no row names (its upload rolled back) and a fresh one
    ticket = ticket_create(actor=agent, subject="Scanner broken", team=team)
    kept = attachment_add(actor=agent, ticket=ticket, file=IncomingFile("log.txt", b"kept"))
    folder = os.path.dirname(kept.file.name)
    old = default_storage.save(f"{folder}/rolled-back", ContentFile(b"orphan"))
    fresh = default_storage.save(f"{folder}/in-flight", ContentFile(b"maybe still committing"))
    two_days_ago = (timezone.now() - timedelta(days=2)).timestamp()
    for name in (old, kept.file.name):
        os.utime(default_storage.path(name), (two_days_ago, two_days_ago))

    # When the nightly purge runs (twice: it is safe to repeat)
    assert purge_orphan_attachment_files.call_local() == 1
    assert purge_orphan_attachment_files.call_local() == 0

    # Then only the old orphan is gone; the attachment still downloads
    assert not default_storage.exists(old)
    assert default_storage.exists(fresh) and default_storage.exists(kept.file.name)
