"""On-call schedules (who answers a page, when) and the pages sent to them."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongdan.oncall.reasons import describe_page_reason


class OnCallSchedule(models.Model):
    """A rotation of people for one team, or the global fallback (no team).

    The primary layer is paged first; the backup layer joins after `escalate_after_repeats` pages went
    unanswered. Both layers rotate with the same length and handoff time."""

    name = models.CharField(_("name"), max_length=120)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="oncall_schedules",
        help_text=_("Leave empty for the global schedule, used when a team has none."),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    rotation_days = models.PositiveSmallIntegerField(
        _("rotation length (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text=_("How long each person stays on call: 1 for daily, 7 for weekly."),
    )
    handoff_time = models.TimeField(_("handoff time"), default=dt.time(9, 0))
    start_date = models.DateField(_("start date"))
    repeat_interval_minutes = models.PositiveSmallIntegerField(
        _("repeat every (minutes)"), default=5, validators=[MinValueValidator(1), MaxValueValidator(1440)]
    )
    escalate_after_repeats = models.PositiveSmallIntegerField(
        _("page the backup after (repeats)"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    max_repeats = models.PositiveSmallIntegerField(
        _("stop repeating after"),
        default=36,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("Repeats stop after this many unanswered pages (36 × 5 minutes = 3 hours)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "notifications_oncallschedule"  # kept from the notifications app (decision 0061)
        ordering = ["name", "id"]
        verbose_name = _("on-call schedule")
        verbose_name_plural = _("on-call schedules")
        constraints = [
            models.UniqueConstraint(fields=["name"], name="notifications_schedule_name_unique"),
            models.CheckConstraint(
                condition=models.Q(rotation_days__gte=1), name="notifications_schedule_rotation_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(repeat_interval_minutes__gte=1),
                name="notifications_schedule_repeat_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OnCallParticipant(models.Model):
    class Layer(models.IntegerChoices):
        PRIMARY = 1, _("Primary")
        BACKUP = 2, _("Backup")

    schedule = models.ForeignKey(OnCallSchedule, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    layer = models.PositiveSmallIntegerField(_("layer"), choices=Layer.choices, default=Layer.PRIMARY)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        db_table = "notifications_oncallparticipant"  # kept from the notifications app (decision 0061)
        ordering = ["schedule", "layer", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "layer", "user"], name="notifications_participant_unique"
            ),
        ]


class OnCallOverride(models.Model):
    """Someone covering the primary layer for a while (a swap, a holiday)."""

    schedule = models.ForeignKey(OnCallSchedule, on_delete=models.CASCADE, related_name="overrides")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "notifications_oncalloverride"  # kept from the notifications app (decision 0061)
        ordering = ["starts_at", "id"]
        verbose_name = _("on-call override")
        verbose_name_plural = _("on-call overrides")
        indexes = [models.Index(fields=["schedule", "ends_at"], name="oncall_override_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="notifications_override_ordered"
            ),
        ]


class Page(models.Model):
    """A ticket paging the on-call people, repeated until someone acknowledges it."""

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for acknowledgement")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        EXPIRED = "expired", _("Stopped without acknowledgement")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="pages")
    schedule = models.ForeignKey(
        OnCallSchedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="pages"
    )
    reason = models.CharField(_("reason"), max_length=300)  # a code such as sla:first_response:0:P0
    state = models.CharField(_("state"), max_length=15, choices=State.choices, default=State.OPEN)
    layer = models.PositiveSmallIntegerField(default=OnCallParticipant.Layer.PRIMARY)
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="PageRecipient", related_name="pages_received"
    )
    repeat_count = models.PositiveIntegerField(_("repeats"), default=0)
    next_repeat_at = models.DateTimeField(_("next repeat"), null=True, blank=True)
    created_at = models.DateTimeField(_("paged"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "notifications_page"  # kept from the notifications app (decision 0061)
        ordering = ["-created_at", "-id"]
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        indexes = [
            models.Index(
                fields=["next_repeat_at"], name="page_repeat_due_idx", condition=models.Q(state="open")
            ),
        ]
        constraints = [
            # Only one open page per ticket: a second call returns the one already ringing.
            models.UniqueConstraint(
                fields=["ticket"], condition=models.Q(state="open"), name="notifications_one_open_page"
            ),
        ]

    def __str__(self) -> str:
        return f"page {self.pk} for ticket {self.ticket_id}"

    @property
    def reason_label(self) -> str:
        """The reason in the active language: `reason` keeps the code the paging app wrote."""

        return describe_page_reason(self.reason)


class PageRecipient(models.Model):
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="page_recipients")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    layer = models.PositiveSmallIntegerField(default=OnCallParticipant.Layer.PRIMARY)
    first_paged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "notifications_pagerecipient"  # kept from the notifications app (decision 0061)
        constraints = [models.UniqueConstraint(fields=["page", "user"], name="notifications_page_recipient")]
        indexes = [models.Index(fields=["user", "-page"], name="page_recipient_user_idx")]
