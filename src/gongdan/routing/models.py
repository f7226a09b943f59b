"""Automatic routing as data: ordered rules, the skills a kind of work needs, agents' presence and shifts,
and the per-team state row that serialises assignment decisions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Strategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")
    SKILLS = "skills", _("Skills match")
    NEAREST = "nearest", _("Nearest")


class RebalanceMode(models.TextChoices):
    KEEP = "keep", _("Keep them with the agent")
    POOL = "pool", _("Return them to the team's pool")
    REROUTE = "reroute", _("Route them again by the rules")


class PresenceStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


class RoutingRule(models.Model):
    """First active rule (by position) whose conditions all hold picks the team and the strategy.

    `conditions` is a list of objects checked by `gongdan.routing.conditions.clean_conditions`, e.g.
    `[{"kind": "service_tier", "values": ["vip"]}, {"kind": "words", "words": ["断网"], "negate": false}]`.
    """

    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("target team"), on_delete=models.PROTECT, related_name="routing_rules"
    )
    strategy = models.CharField(
        _("strategy"), max_length=20, choices=Strategy.choices, default=Strategy.LEAST_LOADED
    )
    max_open_per_agent = models.PositiveIntegerField(
        _("cap per agent"),
        null=True,
        blank=True,
        help_text=_("An agent holding this many open tickets gets no more from this rule. Empty: no cap."),
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        indexes = [models.Index(fields=["is_active", "position", "id"], name="routing_rule_order_idx")]

    def __str__(self) -> str:
        return self.name


class SkillRequirement(models.Model):
    """A skill the work needs: for a category (and its subtree) and/or a custom field value."""

    category = models.ForeignKey(
        "tickets.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    field_key = models.SlugField(_("custom field key"), max_length=50, blank=True)
    field_value = models.CharField(_("custom field value"), max_length=200, blank=True)
    skill = models.ForeignKey(
        "accounts.Skill", verbose_name=_("skill"), on_delete=models.CASCADE, related_name="+"
    )
    min_level = models.PositiveSmallIntegerField(_("minimum level"), default=1)

    class Meta:
        ordering = ["id"]
        verbose_name = _("skill requirement")
        verbose_name_plural = _("skill requirements")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_level__gte=1, min_level__lte=5), name="routing_skillreq_level_1_5"
            ),
            models.CheckConstraint(
                condition=models.Q(category__isnull=False) | ~models.Q(field_key=""),
                name="routing_skillreq_has_trigger",
            ),
        ]


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WorkSchedule(models.Model):
    """A weekly working pattern in a time zone: a shared shift pattern or one person's own hours."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("work schedule")
        verbose_name_plural = _("work schedules")

    def __str__(self) -> str:
        return self.name


class WorkPeriod(models.Model):
    """One stretch of work on a weekday (0 = Monday). An end before the start runs past midnight."""

    schedule = models.ForeignKey(WorkSchedule, on_delete=models.CASCADE, related_name="periods")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="routing_period_weekday_0_6"),
            models.CheckConstraint(
                condition=~models.Q(start=models.F("end")), name="routing_period_not_empty"
            ),
        ]


class AgentPresence(models.Model):
    """Whether an agent takes work now. No row: available, always on shift."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="presence"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=PresenceStatus.choices, default=PresenceStatus.AVAILABLE
    )
    status_changed_at = models.DateTimeField(default=timezone.now)
    schedule = models.ForeignKey(
        WorkSchedule,
        verbose_name=_("work schedule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agents",
        help_text=_("Empty: always on shift."),
    )
    # What the shift sweep saw last time; a flip from true to false (claimed by a conditional UPDATE)
    # triggers rebalancing exactly once.
    was_on_shift = models.BooleanField(default=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    location_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("agent presence")
        verbose_name_plural = _("agent presence")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True) | models.Q(latitude__gte=-90, latitude__lte=90),
                name="routing_presence_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True)
                | models.Q(longitude__gte=-180, longitude__lte=180),
                name="routing_presence_longitude_range",
            ),
        ]


class TeamRoutingState(models.Model):
    """One row per team, locked (SELECT … FOR UPDATE) around every decision for that team so two
    concurrent decisions see each other's assignments; also holds the round-robin cursor."""

    team = models.OneToOneField(
        "accounts.Team", primary_key=True, on_delete=models.CASCADE, related_name="routing_state"
    )
    last_assignee_id = models.BigIntegerField(null=True, blank=True)
    decisions = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)


class RoutingSettings(models.Model):
    """One row: what happens to an agent's unstarted tickets when they go away or their shift ends."""

    rebalance_mode = models.CharField(
        _("when an agent goes away or off shift"),
        max_length=10,
        choices=RebalanceMode.choices,
        default=RebalanceMode.POOL,
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("routing settings")
        verbose_name_plural = _("routing settings")
