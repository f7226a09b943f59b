"""Thin Huey tasks for paging: a page's next repeat, and a minute sweep for repeats a lost task left behind."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def repeat_page(page_id: int) -> bool:
    from gongdan.oncall.services import page_repeat

    return page_repeat(page_id=page_id)


@db_periodic_task(crontab())  # every minute
def pages_repeat_sweep() -> int:
    from gongdan.oncall.services import pages_repeat_due

    return pages_repeat_due()
