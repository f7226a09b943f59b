"""The read model reports are built from: per-ticket facts and daily rollups, projected from ticket events.

Both tables are derived data (rule 3: events are the history): `reports.projection` rebuilds them from
`TicketEvent` and the SLA clocks, and they can be dropped and rebuilt at any time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The dimensions every rollup row is keyed by. A missing value (no team, no category…) is stored as 0 for
# integer dimensions so the unique key works the same on SQLite and PostgreSQL (NULLs are never equal).
# Location and assignee are not among them: with ~240 rooms and ~200 agents almost every ticket would get
# cells of its own. Figures filtered by location, and the agent ranking, are summed from the ticket facts.
DIMENSIONS = ("team_id", "category_id", "priority_id", "ticket_type_id", "channel")
FACT_DIMENSIONS = (*DIMENSIONS, "location_id", "assignee_id")

# The additive counters of one (day, dimensions) cell. Sums of seconds, counts of tickets.
COUNTERS = (
    "created",
    "cancelled",
    "resolved",
    "reopened",
    "first_contact",
    "resolution_wall_sum",
    "resolution_business_sum",
    "resolution_business_count",
    "first_response_count",
    "first_response_sum",
    "first_assign_count",
    "first_assign_sum",
    "sla_response_met",
    "sla_response_breached",
    "sla_resolution_met",
    "sla_resolution_breached",
    "csat_count",
    "csat_sum",
    "csat_1",
    "csat_2",
    "csat_3",
    "csat_4",
    "csat_5",
)


class ProjectionCursor(models.Model):
    """How far a projection has read the event log. Locked (SELECT … FOR UPDATE) by the run that advances
    it, so several consumers never project the same events twice.

    `gaps` holds event ids below the cursor that were not visible when it moved past them (a transaction that
    took its id earlier and committed later): they are looked for again until they appear or grow old."""

    name = models.CharField(max_length=40, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    gaps = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_event_id}"


RESOLVED_COVER = ("team_id", "category_id", "priority_id", "ticket_type_id", "location_id", "assignee_id",
                  "resolution_wall_seconds", "resolution_business_seconds", "sla_resolution_met", "sla_response_met",
                  "sla_response_day", "csat_day", "csat_rating", "ticket_id")  # fmt: skip
OPEN_COVER = ("team_id", "category_id", "priority_id", "ticket_type_id", "location_id", "ticket_id")


class TicketFact(models.Model):
    """One ticket as reports see it, recomputed from its events whenever one arrives.

    `contribution` is exactly what this ticket added to `DailyRollup` ({"dims": [...], "days": {day:
    {counter: value}}}), so a late or back-dated event corrects the rollups by subtracting it and adding
    the new one."""

    ticket = models.OneToOneField(
        "tickets.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="report_fact"
    )
    team_id = models.IntegerField(default=0)
    category_id = models.IntegerField(default=0)
    priority_id = models.IntegerField(default=0)
    ticket_type_id = models.IntegerField(default=0)
    channel = models.CharField(max_length=20, default="")
    location_id = models.IntegerField(default=0)
    assignee_id = models.IntegerField(default=0)
    status = models.CharField(max_length=30)
    is_open = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    created_day = models.DateField()
    resolved_at = models.DateTimeField(null=True)
    resolved_day = models.DateField(null=True)
    resolution_wall_seconds = models.BigIntegerField(null=True)
    resolution_business_seconds = models.BigIntegerField(null=True)
    first_response_seconds = models.BigIntegerField(null=True)
    first_response_day = models.DateField(null=True)
    first_assign_day = models.DateField(null=True)
    sla_response_day = models.DateField(null=True)
    cancelled_day = models.DateField(null=True)
    csat_day = models.DateField(null=True)
    first_assign_seconds = models.BigIntegerField(null=True)
    reopen_count = models.PositiveIntegerField(default=0)
    first_contact = models.BooleanField(default=False)
    sla_response_met = models.BooleanField(null=True)
    sla_resolution_met = models.BooleanField(null=True)
    csat_rating = models.PositiveSmallIntegerField(null=True)
    contribution = models.JSONField(default=dict)

    class Meta:
        # The two covering indexes let the figures over resolved tickets (percentiles, agent ranking) and the
        # open backlog be read from the index alone, without visiting the wide rows (rule: figures at 1M
        # tickets within 300 ms). Key columns rather than INCLUDE, so SQLite covers them too.
        indexes = [
            models.Index(
                fields=["resolved_day", *RESOLVED_COVER],
                name="reports_fact_resolved_cover",
                condition=models.Q(resolved_day__isnull=False),
            ),
            models.Index(fields=["created_day"], name="reports_fact_created_idx"),
            models.Index(fields=["location_id", "created_day"], name="reports_fact_location_idx"),
            models.Index(
                fields=["created_at", *OPEN_COVER],
                name="reports_fact_open_cover",
                condition=models.Q(is_open=True),
            ),
            # The median per team and per ranked agent: each group's resolution times come from its own range
            # of the index, in order, so no sort of the whole period's facts precedes the groups' own sorts.
            models.Index(
                fields=["team_id", "resolved_day", "resolution_wall_seconds"],
                name="reports_fact_team_wall",
                condition=models.Q(resolved_day__isnull=False),
            ),
            models.Index(
                fields=["assignee_id", "resolved_day", "resolution_wall_seconds"],
                name="reports_fact_agent_wall",
                condition=models.Q(resolved_day__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"fact {self.ticket_id}"


class DailyRollup(models.Model):
    """Additive counters per local day and dimensions: the dashboard and reports sum these."""

    day = models.DateField()
    team_id = models.IntegerField(default=0)
    category_id = models.IntegerField(default=0)
    priority_id = models.IntegerField(default=0)
    ticket_type_id = models.IntegerField(default=0)
    channel = models.CharField(max_length=20, default="")
    created = models.IntegerField(default=0)
    cancelled = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    first_contact = models.IntegerField(default=0)
    resolution_wall_sum = models.BigIntegerField(default=0)
    resolution_business_sum = models.BigIntegerField(default=0)
    resolution_business_count = models.IntegerField(default=0)
    first_response_count = models.IntegerField(default=0)
    first_response_sum = models.BigIntegerField(default=0)
    first_assign_count = models.IntegerField(default=0)
    first_assign_sum = models.BigIntegerField(default=0)
    sla_response_met = models.IntegerField(default=0)
    sla_response_breached = models.IntegerField(default=0)
    sla_resolution_met = models.IntegerField(default=0)
    sla_resolution_breached = models.IntegerField(default=0)
    csat_count = models.IntegerField(default=0)
    csat_sum = models.IntegerField(default=0)
    csat_1 = models.IntegerField(default=0)
    csat_2 = models.IntegerField(default=0)
    csat_3 = models.IntegerField(default=0)
    csat_4 = models.IntegerField(default=0)
    csat_5 = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", *DIMENSIONS], name="reports_rollup_cell_unique"),
        ]
        indexes = [models.Index(fields=["team_id", "day"], name="reports_rollup_team_idx")]

    def __str__(self) -> str:
        return f"{self.day} team {self.team_id}"


class Period(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class ReportSubscription(models.Model):
    """An admin subscribes a recipient to a periodic report; the worker emails it in the recipient's
    language, with the XLSX attached as a signed download link."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="report_subscriptions",
    )
    period = models.CharField(_("period"), max_length=10, choices=Period.choices, default=Period.WEEKLY)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    last_sent_for = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recipient__username", "period"]
        verbose_name = _("report subscription")
        verbose_name_plural = _("report subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "period", "team"], name="reports_subscription_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.period}"
