"""Approval flows (审批流) as data, and the requests that run them on tickets.

A flow (what an admin configures) is a list of stages; a request (one run of a flow on one ticket) copies
each stage into a step when it reaches it and gives every approver of the step a task. Decisions are made on
tasks; the step and the request follow from the tasks' states. Delegations let a person who is away name
someone who decides on their behalf.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongdan.core.bilingual import BilingualNamed, pick_label


class ApprovalFlow(BilingualNamed):
    """Which tickets need approval, and from whom. A flow applies to tickets of its type and/or in its
    category (or below it); when several match, the lowest `order` wins."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    ticket_type = models.ForeignKey(
        "tickets.TicketType",
        verbose_name=_("ticket type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.ForeignKey(
        "tickets.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The flow applies to this category and every category below it."),
    )
    start_on_create = models.BooleanField(
        _("start when a matching ticket is created"),
        default=True,
        help_text=_("Off: agents start it from the ticket page when they need it."),
    )
    calendar = models.ForeignKey(
        "sla.BusinessCalendar",
        verbose_name=_("business calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Stage deadlines count working hours on this calendar; empty: round the clock."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("approval flow")
        verbose_name_plural = _("approval flows")


class StageMode(models.TextChoices):
    SERIAL = "serial", _("One after another")
    ALL = "all", _("All of them")
    ANY = "any", _("Any one of them")
    QUORUM = "quorum", _("N of them")


class ApproverKind(models.TextChoices):
    REQUESTER_MANAGER = "requester_manager", _("The requester's manager")
    ORGANISATION_HEAD = "organisation_head", _("The requester's organisation head")
    ROLE = "role", _("Everyone with a role")
    TEAM_LEADS = "team_leads", _("A team's leads")
    TEAM_MEMBERS = "team_members", _("A team's members")
    PEOPLE = "people", _("Named people")


class ConditionOperator(models.TextChoices):
    GT = "gt", ">"
    GTE = "gte", "≥"
    LT = "lt", "<"
    LTE = "lte", "≤"
    EQ = "eq", "="
    NE = "ne", "≠"


class ApprovalStage(BilingualNamed):
    """One stage of a flow: who approves and how many of them must. A stage with a condition on a ticket
    field (cost > 10000) is skipped when the ticket does not meet it."""

    flow = models.ForeignKey(ApprovalFlow, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    mode = models.CharField(
        _("how they decide"), max_length=10, choices=StageMode.choices, default=StageMode.ALL
    )
    required_count = models.PositiveSmallIntegerField(
        _("approvals needed"), default=1, help_text=_("For “N of them”: how many must approve.")
    )
    approver_kind = models.CharField(_("approvers"), max_length=30, choices=ApproverKind.choices)
    approver_role = models.CharField(_("role"), max_length=20, blank=True)
    approver_team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approver_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("people"), blank=True, related_name="+"
    )
    condition_field = models.CharField(_("only when field"), max_length=50, blank=True)
    condition_operator = models.CharField(
        _("operator"), max_length=5, choices=ConditionOperator.choices, blank=True
    )
    condition_value = models.CharField(_("value"), max_length=200, blank=True)
    deadline_hours = models.PositiveIntegerField(
        _("deadline (working hours)"),
        null=True,
        blank=True,
        help_text=_("Remind the approvers when it passes."),
    )
    escalate_after_hours = models.PositiveIntegerField(
        _("escalate after (working hours)"),
        null=True,
        blank=True,
        help_text=_("After the deadline, this many more working hours let the approver's manager decide."),
    )

    class Meta:
        ordering = ["flow", "position", "id"]
        verbose_name = _("approval stage")
        verbose_name_plural = _("approval stages")
        constraints = [
            models.UniqueConstraint(fields=["flow", "position"], name="approvals_stage_position_unique"),
            models.CheckConstraint(
                condition=models.Q(required_count__gte=1), name="approvals_stage_required_positive"
            ),
        ]


class RequestStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("approval", "Waiting for approval")
    SENT_BACK = "sent_back", _("Sent back for more information")
    APPROVED = "approved", pgettext_lazy("approval", "Approved")
    REJECTED = "rejected", pgettext_lazy("approval", "Rejected")
    CANCELLED = "cancelled", pgettext_lazy("approval", "Cancelled")


OPEN_REQUEST_STATUSES = (RequestStatus.PENDING, RequestStatus.SENT_BACK)


class ApprovalRequest(models.Model):
    """One run of a flow on a ticket. At most one is open per ticket."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="approval_requests")
    flow = models.ForeignKey(ApprovalFlow, on_delete=models.PROTECT, related_name="requests")
    status = models.CharField(max_length=20, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    # Reserved for the workflow editor: the transition this approval guards ("" = the ticket as a whole).
    target_action = models.SlugField(max_length=40, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(status__in=["pending", "sent_back"]),
                name="approvals_one_open_request_per_ticket",
            ),
        ]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATUSES


class StepStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("approval step", "Waiting")
    APPROVED = "approved", pgettext_lazy("approval", "Approved")
    REJECTED = "rejected", pgettext_lazy("approval", "Rejected")
    SKIPPED = "skipped", _("Skipped (condition not met)")
    CANCELLED = "cancelled", pgettext_lazy("approval", "Cancelled")


class ApprovalStep(models.Model):
    """A stage as the request met it: a copy of its name and rule, so editing a flow never changes a
    request already running."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    stage = models.ForeignKey(
        ApprovalStage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120, blank=True)
    mode = models.CharField(max_length=10, choices=StageMode.choices)
    required_count = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=20, choices=StepStatus.choices, default=StepStatus.ACTIVE)
    started_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    remind_at = models.DateTimeField(null=True, blank=True)
    escalate_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request", "position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "position"], name="approvals_step_position_unique"),
        ]
        indexes = [
            models.Index(
                fields=["remind_at"],
                name="approvals_step_remind_idx",
                condition=models.Q(status="active", reminded_at__isnull=True),
            ),
            models.Index(
                fields=["escalate_at"],
                name="approvals_step_escalate_idx",
                condition=models.Q(status="active", escalated_at__isnull=True),
            ),
        ]

    @property
    def label(self) -> str:
        return pick_label(self.name, self.name_en)


class TaskStatus(models.TextChoices):
    WAITING = "waiting", _("Not yet their turn")
    PENDING = "pending", pgettext_lazy("approval task", "To decide")
    APPROVED = "approved", pgettext_lazy("approval", "Approved")
    REJECTED = "rejected", pgettext_lazy("approval", "Rejected")
    SKIPPED = "skipped", _("No longer needed")


class Decision(models.TextChoices):
    APPROVE = "approve", pgettext_lazy("approval decision", "Approve")
    REJECT = "reject", pgettext_lazy("approval decision", "Reject")
    SEND_BACK = "send_back", _("Send back for more information")


class ApprovalTask(models.Model):
    """One approver's part in a step. `round` grows each time the task is asked again (after a send-back),
    so a mailed link for an earlier round no longer works."""

    step = models.ForeignKey(ApprovalStep, on_delete=models.CASCADE, related_name="tasks")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approval_tasks"
    )
    order = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=20, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    round = models.PositiveIntegerField(default=1)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    via = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["step", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["step", "approver"], name="approvals_task_unique_approver"),
        ]
        indexes = [
            models.Index(fields=["approver", "status"], name="approvals_task_approver_idx"),
        ]

    @property
    def on_behalf(self) -> bool:
        return self.decided_by_id is not None and self.decided_by_id != self.approver_id


class Delegation(models.Model):
    """While `person` is away (from `starts_at` to `ends_at`), `delegate` decides their approvals; each
    decision records that it was made on their behalf."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations_given"
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("delegate"),
        on_delete=models.CASCADE,
        related_name="delegations_taken",
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="approvals_delegation_period"
            ),
            models.CheckConstraint(
                condition=~models.Q(person=models.F("delegate")), name="approvals_delegation_not_self"
            ),
        ]
        indexes = [models.Index(fields=["delegate", "ends_at"], name="approvals_delegation_idx")]


class FlowVersion(models.Model):
    """Every saved change of an approval flow or its stages: who, when, and the flow as it became (`snapshot`,
    `flow_export`'s form: names, never ids). Reverting restores an old snapshot through the services, which
    records one more version. Versions outlive their flow (`flow_id` is not a key), so a deleted flow's
    history stays for the record."""

    class Action(models.TextChoices):
        CREATED = "created", pgettext_lazy("version", "Created")
        UPDATED = "updated", pgettext_lazy("version", "Changed")
        STAGES = "stages", pgettext_lazy("version", "Stages changed")
        IMPORTED = "imported", pgettext_lazy("version", "Imported")
        REVERTED = "reverted", pgettext_lazy("version", "Reverted")
        DELETED = "deleted", pgettext_lazy("version", "Deleted")

    flow_id = models.PositiveIntegerField(db_index=False)
    code = models.SlugField(max_length=60)
    number = models.PositiveIntegerField(_("version"))
    action = models.CharField(max_length=10, choices=Action.choices)
    snapshot = models.JSONField(default=dict)
    reverted_from = models.PositiveIntegerField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("approval flow version")
        verbose_name_plural = _("approval flow versions")
        constraints = [
            models.UniqueConstraint(fields=["flow_id", "number"], name="approvals_flow_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.number}"
