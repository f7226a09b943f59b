"""Thin Huey tasks. The minute sweep fans out one task per mailbox, so a slow server or a huge mail in one
mailbox never holds up the others; each task claims its mailbox (see imap.poll), so one mailbox is never
polled twice at once, and a mailbox with more waiting than one batch queues itself again."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from gongdan.channels import imap


@db_periodic_task(crontab(minute="*"))
def mailboxes_poll_sweep() -> int:
    ids = imap.due_mailbox_ids()
    for mailbox_id in ids:
        mailbox_poll(mailbox_id)
    return len(ids)


@db_task()
def mailbox_poll(mailbox_id: int) -> dict[str, object]:
    result = imap.poll(mailbox_id)
    if result.more and not result.error:
        mailbox_poll(mailbox_id)
    return {"claimed": result.claimed, "handled": result.handled, "more": result.more, "error": result.error}
