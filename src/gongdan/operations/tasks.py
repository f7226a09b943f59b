"""Periodic housekeeping. Thin tasks: each calls a service and is safe to run twice or on several consumers."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from gongdan.api_support.idempotency import idempotency_records_purge
from gongdan.tickets.services.attachments import attachment_orphans_purge


@db_periodic_task(crontab(minute="17"))
@lock_task("purge-idempotency-records")
def purge_idempotency_records() -> int:
    return idempotency_records_purge()


@db_periodic_task(crontab(minute="43", hour="3"))
@lock_task("purge-orphan-attachment-files")
def purge_orphan_attachment_files() -> int:
    return attachment_orphans_purge()
