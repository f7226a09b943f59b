"""Notification rules (who hears about which ticket event, how), the cursor the rule engine reads events
from, and each person's own choices (channels, quiet hours)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The names of the rules the installation adds (migrations 0003 and 0007): stored in English, shown translated,
# so neither language reads both ("新工单通知团队 / New ticket → team" was the old, bilingual name).
DEFAULT_RULE_NAMES = {
    "New ticket → team": _("New ticket → team"),
    "New ticket → requester": _("New ticket → requester"),
    "Assigned → assignee": _("Assigned → assignee"),
    "Public reply → requester": _("Public reply → requester"),
    "Public reply → assignee": _("Public reply → assignee"),
    "Status changed → requester": _("Status changed → requester"),
}


class RuleEvent(models.TextChoices):
    """The ticket events a rule can listen to (derived from TicketEvent kinds by `gongdan.notifications.rules`)."""

    CREATED = "created", _("Ticket created")
    ASSIGNED = "assigned", _("Ticket assigned")
    COMMENTED = "commented", _("Public reply")
    STATE_CHANGED = "state_changed", _("Status changed")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    P0_PAGE = "p0_page", _("On-call page (P0)")
    SURVEY = "survey", _("Satisfaction survey")
    LOW_STOCK = "low_stock", _("Spare part low on stock")


class Recipient(models.TextChoices):
    REQUESTER = "requester", _("Requester")
    ASSIGNEE = "assignee", _("Assignee")
    TEAM = "team", _("Team members")
    TEAM_LEAD = "team_lead", _("Team leads")
    WATCHERS = "watchers", _("Watchers")
    ON_CALL = "on_call", _("Who is on call")


class PersonChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    IN_APP = "in_app", _("In-app notice")


class Template(models.TextChoices):
    STANDARD = "standard", _("Standard: what happened, the details and a link")
    BRIEF = "brief", _("Brief: one line and a link")


class NotificationRule(models.Model):
    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    event = models.CharField(_("event"), max_length=20, choices=RuleEvent.choices)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("only for team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    priorities = models.ManyToManyField(
        "tickets.Priority", verbose_name=_("only for priorities"), blank=True, related_name="+"
    )
    recipients = models.JSONField(_("recipients"), default=list, blank=True)
    fixed_address = models.EmailField(_("also email this address"), blank=True)
    channels = models.JSONField(_("channels for people"), default=list, blank=True)
    chat_bots = models.ManyToManyField("outbox.ChatBot", verbose_name=_("chat bots"), blank=True)
    webhooks = models.ManyToManyField("outbox.Webhook", verbose_name=_("webhooks"), blank=True)
    template = models.CharField(
        _("template"), max_length=20, choices=Template.choices, default=Template.STANDARD
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["event", "name", "id"]
        verbose_name = _("notification rule")
        verbose_name_plural = _("notification rules")
        constraints = [models.UniqueConstraint(fields=["name"], name="notifications_rule_name_unique")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The rules Gongdan installs read in the reader's language; the ones people write, as written."""
        return str(DEFAULT_RULE_NAMES.get(self.name, self.name))


class NotificationPreference(models.Model):
    """A person's own choices. No row means: email and in-app on, no quiet hours."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email = models.BooleanField(_("by email"), default=True)
    in_app = models.BooleanField(_("in the app"), default=True)
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"
