"""Running SLA clocks per ticket and target, and the escalation steps fired on them."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ClockKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")
    STAGE = "stage", _("Team stage (OLA)")


class SlaClock(models.Model):
    """One run of one target on one ticket. Due times are stored, never recomputed on reads.

    Business seconds are measured on the policy's calendar. A paused clock has `paused_since` and no
    `due_at` movement until it resumes, when the paused business time is added to
    `paused_business_seconds` and the due time moves later by it. A stopped clock keeps its attainment:
    `met` and `margin_seconds` (business seconds before the due time; negative: late by that much).
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="sla_clocks")
    kind = models.CharField(_("target"), max_length=20, choices=ClockKind.choices)
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    policy = models.ForeignKey(
        "sla.SlaPolicy", null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    calendar = models.ForeignKey(
        "sla.BusinessCalendar", null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    run = models.PositiveIntegerField(default=1)
    target_minutes = models.PositiveIntegerField(_("target (business minutes)"))
    started_at = models.DateTimeField(_("started"))
    due_at = models.DateTimeField(_("due"))
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_business_seconds = models.PositiveBigIntegerField(default=0)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)
    met = models.BooleanField(_("met"), null=True)
    margin_seconds = models.BigIntegerField(null=True, blank=True)
    next_escalation_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        indexes = [
            models.Index(fields=["ticket", "kind"], name="sla_clock_ticket_idx"),
            # The sweep reads only clocks with work due: a small index, however many tickets are open.
            models.Index(
                fields=["next_escalation_at"],
                name="sla_clock_next_escalation_idx",
                condition=models.Q(next_escalation_at__isnull=False),
            ),
        ]
        constraints = [
            # One live clock per ticket, kind and team (stage clocks) at a time.
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                condition=models.Q(stopped_at__isnull=True, team__isnull=True),
                name="sla_clock_one_live",
            ),
            models.UniqueConstraint(
                fields=["ticket", "kind", "team"],
                condition=models.Q(stopped_at__isnull=True, team__isnull=False),
                name="sla_clock_one_live_per_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.ticket_id} due {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_running(self) -> bool:
        return self.stopped_at is None and self.paused_since is None

    @property
    def is_paused(self) -> bool:
        return self.stopped_at is None and self.paused_since is not None


class EscalationFiring(models.Model):
    """The proof a step fired on a clock run, recorded by the sweep under the clock's lock (at most once even
    with several consumers); `acted_at` is the proof its action was carried out (see escalation.py)."""

    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="firings")
    step = models.ForeignKey("sla.EscalationStep", on_delete=models.CASCADE, related_name="firings")
    run = models.PositiveIntegerField(default=1)
    fired_at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=30)
    # Set in the same transaction as the action (notify, page, reassign, raise): acted on exactly once.
    acted_at = models.DateTimeField(null=True, blank=True)
    outcome = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["fired_at", "id"]
        indexes = [
            models.Index(
                fields=["fired_at"], name="sla_firing_unacted_idx", condition=models.Q(acted_at__isnull=True)
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["clock", "step", "run"], name="sla_firing_once"),
        ]
