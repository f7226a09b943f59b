"""Idempotency records are kept for a day, then purged by a periodic task."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gongdan.accounts.models import IdempotencyRecord
from gongdan.operations.tasks import purge_idempotency_records


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
