"""SLA policies: which tickets they cover, their targets per priority, stage (OLA) targets and
escalation steps."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gongdan.core.bilingual import BilingualNamed

DEFAULT_PAUSE_STATUSES = ["pending_requester", "pending_third_party"]


def default_pause_statuses() -> list[str]:
    return list(DEFAULT_PAUSE_STATUSES)


class SlaPolicy(BilingualNamed):
    """The first active policy (by `order`) whose conditions all hold applies to a ticket.

    `conditions`: {"priorities": [codes], "categories": [ids, each with its subtree], "ticket_types":
    [codes], "organisations": [ids], "service_tiers": [tiers]}; a missing or empty list matches anything.
    """

    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    calendar = models.ForeignKey(
        "sla.BusinessCalendar", verbose_name=_("calendar"), on_delete=models.PROTECT, related_name="policies"
    )
    pause_statuses = models.JSONField(_("statuses that pause the clocks"), default=default_pause_statuses)
    stage_minutes = models.PositiveIntegerField(
        _("stage target for any team (minutes)"),
        null=True,
        blank=True,
        help_text=_("Business minutes each team may hold the ticket; empty: no stage clocks."),
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [models.UniqueConstraint(fields=["name"], name="sla_policy_name_unique")]


class SlaTarget(models.Model):
    """Targets for one priority under a policy, in business minutes. Empty: no clock of that kind."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.ForeignKey("tickets.Priority", on_delete=models.CASCADE, related_name="+")
    first_response_minutes = models.PositiveIntegerField(_("first response"), null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(_("next response"), null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(_("resolution"), null=True, blank=True)

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority"], name="sla_target_unique"),
            models.CheckConstraint(
                condition=models.Q(first_response_minutes__gt=0) | models.Q(first_response_minutes=None),
                name="sla_target_first_response_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(next_response_minutes__gt=0) | models.Q(next_response_minutes=None),
                name="sla_target_next_response_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(resolution_minutes__gt=0) | models.Q(resolution_minutes=None),
                name="sla_target_resolution_positive",
            ),
        ]


class StageTarget(models.Model):
    """A team's own stage target (OLA) under a policy, overriding the policy's stage_minutes."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="stage_targets")
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    minutes = models.PositiveIntegerField(_("minutes"))

    class Meta:
        verbose_name = _("stage target")
        verbose_name_plural = _("stage targets")
        constraints = [
            models.UniqueConstraint(fields=["policy", "team"], name="sla_stage_target_unique"),
            models.CheckConstraint(condition=models.Q(minutes__gt=0), name="sla_stage_target_positive"),
        ]


class EscalationAction(models.TextChoices):
    NOTIFY_ASSIGNEE = "notify_assignee", _("Notify the assignee")
    NOTIFY_TEAM_LEADS = "notify_team_leads", _("Notify the team lead(s)")
    REASSIGN_TEAM = "reassign_team", _("Reassign to another team")
    RAISE_PRIORITY = "raise_priority", _("Raise the priority")
    PAGE_ON_CALL = "page_on_call", _("Page on-call")


class EscalationStep(models.Model):
    """A point on a clock where something happens, once per clock: `percent` of the target (0 = at the
    start, 100 = at the due time) or `minutes_from_due` business minutes from the due time (negative:
    before it)."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="steps")
    target = models.CharField(_("clock"), max_length=20)  # a ClockKind value
    priority = models.ForeignKey(
        "tickets.Priority",
        verbose_name=_("only for priority"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    percent = models.PositiveSmallIntegerField(_("at percent of the target"), null=True, blank=True)
    minutes_from_due = models.IntegerField(_("minutes from the due time"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=30, choices=EscalationAction.choices)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team to reassign to"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    raise_to = models.ForeignKey(
        "tickets.Priority",
        verbose_name=_("raise to priority"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: one level more urgent."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["target", "percent", "minutes_from_due", "id"]
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(percent__isnull=False, minutes_from_due__isnull=True)
                    | models.Q(percent__isnull=True, minutes_from_due__isnull=False)
                ),
                name="sla_step_one_trigger",
            ),
            models.CheckConstraint(
                condition=models.Q(percent__lte=1000) | models.Q(percent=None), name="sla_step_percent_range"
            ),
        ]
