"""How far each after-commit consumer of ticket events has read the log (gongdan.tickets.pipeline)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class EventCursor(models.Model):
    """One consumer's position in the ticket event log. Locked (SELECT … FOR UPDATE) by the run that moves it,
    so several queue consumers never hand the same event to it twice.

    `gaps` holds ids below the cursor that were not visible when it moved past them (a transaction that took
    its id earlier and committed later, or one that rolled back), with when they were first missed: they are
    looked for again on every run until they appear or grow older than GONGDAN_EVENT_GAP_SECONDS."""

    name = models.CharField(max_length=60, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    gaps = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_event_id}"
