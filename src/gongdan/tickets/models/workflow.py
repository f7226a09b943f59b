"""The workflow an admin draws per ticket type (decision 0150): its versions (drafts, the published one, the
retired ones) and the states of the published version.

A version's `definition` is the whole diagram as JSON (states with their positions, transitions with their
rules); publishing compiles it into the rows the lifecycle reads — `WorkflowState` here and
`WorkflowTransition` in config.py — so a ticket change reads the published workflow from the configuration
cache, never a JSON document. `ticket_type` empty is the default workflow, used by every type without its own.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongdan.core.bilingual import BilingualNamed
from gongdan.tickets.models.ticket import FINISHED_STATUSES, PENDING_STATUSES, Status


class StateCategory(models.TextChoices):
    """What a state means to everything else (SLA, queues, reports): read from its system status."""

    OPEN = "open", pgettext_lazy("workflow category", "Open")
    PENDING = "pending", pgettext_lazy("workflow category", "Pending")
    DONE = "done", pgettext_lazy("workflow category", "Done")


def category_of(status: str) -> str:
    if status in FINISHED_STATUSES:
        return StateCategory.DONE
    if status in PENDING_STATUSES:
        return StateCategory.PENDING
    return StateCategory.OPEN


SLA_EFFECT = {
    StateCategory.OPEN: _("SLA clocks run"),
    StateCategory.PENDING: _("SLA clocks pause"),
    StateCategory.DONE: _("SLA clocks stop"),
}


class WorkflowState(BilingualNamed):
    """A state of a published workflow. Its system `status` is what every other app reads (decision 0150)."""

    ticket_type = models.ForeignKey(
        "tickets.TicketType",
        verbose_name=_("ticket type"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="workflow_states",
    )
    code = models.SlugField(_("code"), max_length=40)
    status = models.CharField(_("system status"), max_length=30, choices=Status.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("workflow state")
        verbose_name_plural = _("workflow states")
        constraints = [
            models.UniqueConstraint(fields=["ticket_type", "code"], name="tickets_state_unique"),
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(ticket_type__isnull=True),
                name="tickets_state_default_unique",
            ),
        ]

    @property
    def category(self) -> str:
        return category_of(self.status)


class VersionStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("workflow version", "Draft")
    PUBLISHED = "published", pgettext_lazy("workflow version", "Published")
    RETIRED = "retired", pgettext_lazy("workflow version", "Retired")


class WorkflowVersion(models.Model):
    """One version of a ticket type's workflow. At most one draft and one published version per type; the
    versions published before stay, retired, with who published them."""

    ticket_type = models.ForeignKey(
        "tickets.TicketType",
        verbose_name=_("ticket type"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="workflow_versions",
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    definition = models.JSONField(default=dict)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    # The tickets moved when it was published: {"old state": "new state", …} and how many.
    moved = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("workflow version")
        verbose_name_plural = _("workflow versions")
        constraints = [
            models.UniqueConstraint(fields=["ticket_type", "number"], name="tickets_wfversion_number"),
            models.UniqueConstraint(
                fields=["number"],
                condition=models.Q(ticket_type__isnull=True),
                name="tickets_wfversion_default_number",
            ),
            models.UniqueConstraint(
                fields=["ticket_type"],
                condition=models.Q(status="draft"),
                name="tickets_wfversion_one_draft",
            ),
            models.UniqueConstraint(
                fields=["ticket_type"],
                condition=models.Q(status="published"),
                name="tickets_wfversion_one_published",
            ),
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(ticket_type__isnull=True, status__in=["draft", "published"]),
                name="tickets_wfversion_default_one_each",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.number}"
