"""Thin Huey tasks for paging: a page's next repeat, and a minute sweep for repeats a lost task left behind."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from gongdan.oncall import services  # its functions, looked up when a task runs (services schedule these)


@db_task()
def repeat_page(page_id: int) -> bool:
    return services.page_repeat(page_id=page_id)


@db_periodic_task(crontab())  # every minute
def pages_repeat_sweep() -> int:
    return services.pages_repeat_due()
