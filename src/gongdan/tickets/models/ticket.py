"""The ticket itself, its number sequence, tags and links."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    PENDING_REQUESTER = "pending_requester", _("Pending on requester")
    PENDING_THIRD_PARTY = "pending_third_party", _("Pending on third party")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (
    Status.NEW,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.PENDING_REQUESTER,
    Status.PENDING_THIRD_PARTY,
)
PENDING_STATUSES = (Status.PENDING_REQUESTER, Status.PENDING_THIRD_PARTY)
FINISHED_STATUSES = (Status.RESOLVED, Status.CLOSED, Status.CANCELLED)


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    EMAIL = "email", _("Email")
    PORTAL = "portal", _("Portal")
    PHONE = "phone", _("Phone")
    MONITORING = "monitoring", _("Monitoring")
    CHAT = "chat", _("Chat")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class TicketSequence(models.Model):
    """The last number handed out per prefix and year. Locked with SELECT … FOR UPDATE inside the
    creating transaction, so a rolled-back create gives its number back: numbers are gap-free."""

    scope = models.CharField(max_length=40, unique=True)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.scope}: {self.last_value}"


class Ticket(models.Model):
    number = models.CharField(_("number"), max_length=40)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    description_html = models.TextField(blank=True, editable=False)
    ticket_type = models.ForeignKey(
        "tickets.TicketType", verbose_name=_("type"), on_delete=models.PROTECT, related_name="tickets"
    )
    category = models.ForeignKey(
        "tickets.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="tickets",
    )
    priority = models.ForeignKey(
        "tickets.Priority",
        verbose_name=_("priority"),
        on_delete=models.PROTECT,
        db_index=False,
        related_name="tickets",
    )
    status = models.CharField(_("status"), max_length=30, choices=Status.choices, default=Status.NEW)
    # The state of the ticket type's drawn workflow (decision 0150); empty: the state named like `status`.
    state = models.SlugField(_("state"), max_length=40, blank=True, default="")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.WEB)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        db_index=False,
        related_name="requested_tickets",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
        related_name="tickets",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
        related_name="assigned_tickets",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
        related_name="tickets",
    )
    watchers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="watched_tickets", blank=True)
    tags = models.ManyToManyField(Tag, related_name="tickets", blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    location = models.ForeignKey(
        "assets.Location",
        verbose_name=_("location"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    location_text = models.CharField(_("location (free text)"), max_length=300, blank=True)
    # The equipment the ticket is about; its location follows the asset's (tickets.services).
    asset = models.ForeignKey(
        "assets.Asset",
        verbose_name=_("asset"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
        related_name="tickets",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    custom_values = models.JSONField(_("custom fields"), default=dict, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    # Optimistic concurrency: every change bumps it; a writer that read an older version gets a conflict.
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Subject, description and public replies in one column, lower-cased: the search index reads it
    # (pg_trgm GIN on PostgreSQL, an FTS5 trigram table on SQLite).
    search_text = models.TextField(blank=True, editable=False)
    # Internal notes, searched for staff only.
    search_notes = models.TextField(blank=True, editable=False)
    # Written by the SLA engine (gongdan.sla.clocks) so the queue shows the clock with no extra query:
    # the nearest due time of the running requester-facing clocks, when it turns "at risk" (80 % used),
    # and whether they are paused or breached.
    sla_due_at = models.DateTimeField(_("SLA due"), null=True, blank=True, editable=False)
    sla_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_paused = models.BooleanField(default=False, editable=False)
    sla_breached = models.BooleanField(_("SLA breached"), default=False, editable=False)

    class Meta:
        # The composite indexes below lead with category, priority, requester, organisation, assignee and
        # team, so those foreign keys carry no index of their own (fewer indexes: faster writes, cheaper plans).
        ordering = ["-updated_at", "-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="ticket_updated_idx"),
            models.Index(fields=["-created_at", "-id"], name="ticket_created_idx"),
            models.Index(fields=["status", "-updated_at", "-id"], name="ticket_status_updated_idx"),
            # Agents mostly read open tickets newest-first: a small index holding only those rows.
            models.Index(
                fields=["-updated_at", "-id"],
                name="ticket_open_updated_idx",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            models.Index(fields=["team", "status", "-updated_at", "-id"], name="ticket_team_status_idx"),
            models.Index(
                fields=["assignee", "status", "-updated_at", "-id"], name="ticket_assignee_status_idx"
            ),
            models.Index(fields=["requester", "-updated_at", "-id"], name="ticket_requester_idx"),
            models.Index(fields=["organisation", "-updated_at", "-id"], name="ticket_org_idx"),
            models.Index(fields=["category", "-updated_at", "-id"], name="ticket_category_idx"),
            models.Index(fields=["priority", "-updated_at", "-id"], name="ticket_priority_idx"),
            # The asset page lists the asset's work orders, newest first.
            models.Index(
                fields=["asset", "-created_at", "-id"],
                name="ticket_asset_idx",
                condition=models.Q(asset__isnull=False),
            ),
            models.Index(fields=["due_at"], name="ticket_due_idx", condition=models.Q(due_at__isnull=False)),
            models.Index(
                fields=["sla_due_at"], name="ticket_sla_due_idx", condition=models.Q(sla_due_at__isnull=False)
            ),
        ]
        constraints = [
            # A constraint rather than unique=True: PostgreSQL then gets no extra LIKE index on number.
            models.UniqueConstraint(fields=["number"], name="tickets_ticket_number_unique"),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="tickets_ticket_version_positive"
            ),
            models.CheckConstraint(condition=~models.Q(subject=""), name="tickets_ticket_subject_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return bool(self.due_at and self.is_open and self.due_at < timezone.now())


class TicketLink(models.Model):
    """A "relates to" link between two tickets. Parent/child and duplicate-of are columns on Ticket."""

    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="tickets_link_unique"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="tickets_link_not_self"
            ),
        ]
