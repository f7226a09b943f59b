"""Automation rules and macros: what an admin configured (rules, macros, their versions) and what the rules did
(their run history, and which ticket events they wrote — the causation chain that stops loops)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from gongdan.accounts.models import Team
from gongdan.sla.models import BusinessCalendar
from gongdan.tickets.models import Ticket, TicketEvent


class Rule(models.Model):
    """When `trigger` happens to a ticket and every condition holds, do the actions, in order.

    `conditions` is a list of {"field", "op", "value"}; `actions` a list of {"type", …} (automation.conditions
    and automation.actions check and explain both). A time rule (`trigger == "time"`) fires on tickets that have
    been in `wait_status` for `wait_business_days` working days of `calendar`."""

    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=500, blank=True)
    trigger = models.CharField(_("trigger"), max_length=60)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    actions = models.JSONField(_("actions"), default=list, blank=True)
    position = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=False)
    wait_status = models.CharField(_("waiting in status"), max_length=30, blank=True)
    wait_business_days = models.PositiveSmallIntegerField(_("business days"), null=True, blank=True)
    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("business calendar"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    version = models.PositiveIntegerField(default=1)
    # The version last tried by a dry run: a rule is switched on only after its current version was tried.
    dry_run_version = models.PositiveIntegerField(default=0)
    loop_warning = models.CharField(_("loop warning"), max_length=500, blank=True)
    loop_warning_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("automation rule")
        verbose_name_plural = _("automation rules")
        constraints = [models.UniqueConstraint(fields=["name"], name="automation_rule_name_unique")]
        indexes = [models.Index(fields=["is_active", "trigger"], name="automation_rule_active_trigger")]

    def __str__(self) -> str:
        return self.name


class RuleRun(models.Model):
    """One rule on one ticket for one event (or one waiting episode of a time rule): what it changed, or why
    it did not. The unique constraints are the "at most once" of the engine."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied")
        NOTHING = "nothing", _("Nothing to change")
        FAILED = "failed", _("Failed")
        LOOP_STOPPED = "loop_stopped", _("Stopped: loop")

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="runs")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(TicketEvent, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    episode = models.CharField(max_length=40, blank=True)  # a time rule's waiting episode (its start)
    rule_version = models.PositiveIntegerField(default=1)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    changes = models.JSONField(_("changes"), default=list, blank=True)
    message = models.CharField(_("message"), max_length=1000, blank=True)
    depth = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "event"], condition=models.Q(event__isnull=False), name="automation_run_once_per_event"
            ),
            models.UniqueConstraint(
                fields=["rule", "ticket", "episode"], condition=~models.Q(episode=""),
                name="automation_run_once_per_episode",
            ),
        ]  # fmt: skip
        indexes = [models.Index(fields=["rule", "-created_at"], name="automation_run_rule_recent")]

    @property
    def changes_read(self) -> list[str]:
        """What it changed, in the reader's language (runs keep the words in each of the site's languages)."""
        if isinstance(self.changes, dict):
            language = translation.get_language() or settings.LANGUAGE_CODE
            return list(self.changes.get(language) or self.changes.get(settings.LANGUAGE_CODE) or [])
        return list(self.changes or [])


class CausedEvent(models.Model):
    """A ticket event a rule wrote: which run wrote it, how deep in a chain of rules, and the rules in that
    chain (the loop guard reads it when the event comes back through the pipeline)."""

    event = models.OneToOneField(TicketEvent, on_delete=models.CASCADE, primary_key=True, related_name="+")
    run = models.ForeignKey(RuleRun, on_delete=models.CASCADE, related_name="caused")
    depth = models.PositiveSmallIntegerField(default=1)
    chain = models.JSONField(default=list)


class Macro(models.Model):
    """A reply (public or a note) with placeholders, plus field changes, applied by an agent in one click."""

    class Visibility(models.TextChoices):
        PERSONAL = "personal", _("Only me")
        TEAM = "team", _("My team")
        EVERYONE = "everyone", _("Everyone")

    class ReplyKind(models.TextChoices):
        PUBLIC = "public", _("Public reply")
        NOTE = "note", _("Internal note")

    name = models.CharField(_("name"), max_length=120)
    body = models.TextField(_("reply template"), blank=True)
    reply_kind = models.CharField(
        _("reply as"), max_length=10, choices=ReplyKind.choices, default=ReplyKind.PUBLIC
    )
    actions = models.JSONField(_("field changes"), default=list, blank=True)
    visibility = models.CharField(_("shared with"), max_length=10, choices=Visibility.choices,
                                  default=Visibility.PERSONAL)  # fmt: skip
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+")  # fmt: skip
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE,
                              related_name="+")  # fmt: skip
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(visibility="team") | models.Q(team__isnull=False),
                name="automation_macro_team_set",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def action_count(self) -> int:
        """What one click does: each field change, and the reply or note (the picker shows it)."""
        return len(self.actions or []) + (1 if self.body.strip() else 0)


class ConfigVersion(models.Model):
    """Every change of a rule or a macro: who, when, the whole row as it became (`snapshot`) and what changed
    (`diff`: field → [before, after]). Reverting writes a new version equal to an old snapshot."""

    class Kind(models.TextChoices):
        RULE = "rule", _("Rule")
        MACRO = "macro", _("Macro")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.PositiveIntegerField()
    version = models.PositiveIntegerField()
    action = models.CharField(max_length=20)  # created, updated, deleted, reverted, imported
    snapshot = models.JSONField(default=dict)
    diff = models.JSONField(default=dict)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")  # fmt: skip
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id", "version"], name="automation_version_unique")
        ]
