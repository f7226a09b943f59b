"""Periodic housekeeping of the API's own rows. Thin tasks: safe to run twice or on several consumers."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from gongdan.api.idempotency import idempotency_records_purge


@db_periodic_task(crontab(minute="17"))
@lock_task("purge-idempotency-records")
def purge_idempotency_records() -> int:
    return idempotency_records_purge()
