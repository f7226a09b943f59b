"""Human-readable, gap-free ticket numbers (GD-2026-000123).

The sequence row is incremented with a conditional UPDATE inside the creating transaction: the row lock
serialises concurrent creators and a rolled-back create returns its number, so there are no gaps and no
duplicates (tested with 50 parallel creators on PostgreSQL).
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from gongdan.tickets.models import TicketNumbering, TicketSequence


def numbering_settings() -> TicketNumbering:
    return TicketNumbering.objects.filter(pk=1).first() or TicketNumbering(pk=1)


def next_ticket_number(*, now: datetime | None = None) -> str:
    numbering = numbering_settings()
    local_now = timezone.localtime(now or timezone.now())
    scope = f"{numbering.prefix}-{local_now.year}" if numbering.include_year else numbering.prefix
    value = _increment(scope)
    return f"{scope}-{value:0{numbering.digits}d}"


def _increment(scope: str) -> int:
    for _attempt in range(3):
        if TicketSequence.objects.filter(scope=scope).update(last_value=F("last_value") + 1):
            return TicketSequence.objects.values_list("last_value", flat=True).get(scope=scope)
        try:
            with transaction.atomic():
                TicketSequence.objects.create(scope=scope, last_value=1)
            return 1
        except IntegrityError:
            continue  # another creator made the row first: increment it instead
    raise RuntimeError(f"could not allocate a ticket number in {scope}")
