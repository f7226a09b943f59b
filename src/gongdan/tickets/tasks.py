"""Periodic housekeeping of ticket files. Thin tasks: safe to run twice or on several consumers."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from gongdan.tickets.services.attachments import attachment_orphans_purge


@db_periodic_task(crontab(minute="43", hour="3"))
@lock_task("purge-orphan-attachment-files")
def purge_orphan_attachment_files() -> int:
    return attachment_orphans_purge()
