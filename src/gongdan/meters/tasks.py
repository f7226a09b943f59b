"""Thin Huey tasks: call a service. Safe to run twice and on several consumers at once (an excursion's row is
locked while its work order opens, and one no longer awaiting is skipped)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from gongdan.meters.services import excursion_work_orders_open


@db_task()
def excursion_work_orders_open_task(excursion_ids: list[int]) -> int:
    """The work orders of excursions a batch of MQTT readings recorded (decision 0173): opened by the queue's
    consumer, on another process and core than the ingester."""
    return len(excursion_work_orders_open(excursion_ids=list(excursion_ids)))
