"""What maintenance knows about an asset that needs tickets: the periods it was down."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Downtime(models.Model):
    """One period an asset was down: started when a ticket set it down, ended when that ticket was resolved
    (or closed or cancelled). At most one open period per asset (a partial unique index)."""

    asset = models.ForeignKey(
        "assets.Asset", verbose_name=_("asset"), on_delete=models.CASCADE, related_name="downtimes"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="downtimes",
    )
    started_at = models.DateTimeField(_("down since"), default=timezone.now)
    ended_at = models.DateTimeField(_("running again at"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("downtime")
        verbose_name_plural = _("downtimes")
        indexes = [
            models.Index(fields=["asset", "-started_at"], name="downtime_asset_idx"),
            models.Index(
                fields=["ticket"], name="downtime_ticket_idx", condition=models.Q(ended_at__isnull=True)
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["asset"],
                condition=models.Q(ended_at__isnull=True),
                name="maintenance_one_open_downtime",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | models.Q(ended_at__gte=models.F("started_at")),
                name="maintenance_downtime_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration_seconds(self) -> float | None:
        return (self.ended_at - self.started_at).total_seconds() if self.ended_at else None


# --- preventive maintenance (decision 0145) ------------------------------------------------------------------


class ChecklistTemplate(models.Model):
    """The steps a technician answers on a preventive maintenance work order."""

    name = models.CharField(_("name"), max_length=120)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        constraints = [models.UniqueConstraint(fields=["name"], name="maintenance_checklist_name_unique")]

    def __str__(self) -> str:
        return self.name


class StepKind(models.TextChoices):
    CHECK = "check", _("Pass / fail")
    NUMBER = "number", _("Number within limits")
    PHOTO = "photo", _("Photo")
    NOTE = "note", _("Note")


class ChecklistStep(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    label = models.CharField(_("step"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=StepKind.choices, default=StepKind.CHECK)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    minimum = models.DecimalField(_("minimum"), max_digits=14, decimal_places=3, null=True, blank=True)
    maximum = models.DecimalField(_("maximum"), max_digits=14, decimal_places=3, null=True, blank=True)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        ordering = ["template", "position", "id"]
        verbose_name = _("checklist step")
        verbose_name_plural = _("checklist steps")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minimum__isnull=True)
                | models.Q(maximum__isnull=True)
                | models.Q(maximum__gte=models.F("minimum")),
                name="maintenance_step_limits_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Frequency(models.TextChoices):
    DAYS = "days", _("days")
    WEEKS = "weeks", _("weeks")
    MONTHS = "months", _("months")


class Trigger(models.TextChoices):
    CALENDAR = "calendar", _("By calendar")
    METER = "meter", _("By meter")
    EITHER = "either", _("Whichever comes first")


class Schedule(models.TextChoices):
    FIXED = "fixed", _("Fixed (from the planned date)")
    FLOATING = "floating", _("Floating (from the completion)")


class PmPlan(models.Model):
    """A preventive maintenance plan on one asset, or on every asset of a type. Its work orders are
    `PmWorkOrder` rows, scheduled ahead and opened as tickets `lead_days` before they are due."""

    name = models.CharField(_("name"), max_length=200)
    asset = models.ForeignKey(
        "assets.Asset", verbose_name=_("asset"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="pm_plans",
    )  # fmt: skip
    asset_type = models.ForeignKey(
        "assets.AssetType", verbose_name=_("asset type"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="pm_plans",
    )  # fmt: skip
    trigger = models.CharField(_("trigger"), max_length=10, choices=Trigger.choices, default=Trigger.CALENDAR)
    every = models.PositiveIntegerField(_("every"), default=1)
    frequency = models.CharField(
        _("unit"), max_length=10, choices=Frequency.choices, default=Frequency.MONTHS
    )
    # Weekly plans only: 0 = Monday … 6 = Sunday; empty means the start date's weekday.
    weekdays = models.JSONField(_("on weekdays"), default=list, blank=True)
    starts_on = models.DateField(_("first due on"))
    schedule = models.CharField(
        _("schedule"), max_length=10, choices=Schedule.choices, default=Schedule.FIXED
    )
    calendar = models.ForeignKey(
        "sla.BusinessCalendar", verbose_name=_("business calendar"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
        help_text=_("A due date on a day off moves to the next working day."),
    )  # fmt: skip
    meter = models.CharField(_("meter"), max_length=60, blank=True)
    meter_every = models.DecimalField(_("every (meter units)"), max_digits=14, decimal_places=3, null=True,
                                      blank=True)  # fmt: skip
    meter_start = models.DecimalField(
        _("meter reading at the start"), max_digits=16, decimal_places=3, default=0,
        help_text=_("Counted from here until the first work order is done."),
    )  # fmt: skip
    lead_days = models.PositiveSmallIntegerField(_("lead time (days)"), default=0)
    checklist = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("checklist"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="plans",
    )  # fmt: skip
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported for"), on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    category = models.ForeignKey(
        "tickets.Category", verbose_name=_("category"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("maintenance plan")
        verbose_name_plural = _("maintenance plans")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(asset__isnull=False, asset_type__isnull=True)
                | models.Q(asset__isnull=True, asset_type__isnull=False),
                name="maintenance_plan_asset_or_type",
            ),
            models.CheckConstraint(condition=models.Q(every__gte=1), name="maintenance_plan_every_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def uses_calendar(self) -> bool:
        return self.trigger in (Trigger.CALENDAR, Trigger.EITHER)

    @property
    def uses_meter(self) -> bool:
        return self.trigger in (Trigger.METER, Trigger.EITHER)


class PmStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class PmWorkOrder(models.Model):
    """One due occurrence of a plan on one asset. Unique on (plan, asset, due date): generating again creates
    nothing new. Its ticket is opened `lead_days` before `due_on`."""

    plan = models.ForeignKey(PmPlan, on_delete=models.CASCADE, related_name="work_orders")
    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="pm_work_orders")
    # The date the schedule gave (the key: generating again finds it); `due_on` moves earlier when a meter
    # reaches its limit first (whichever comes first).
    planned_on = models.DateField(_("planned on"))
    due_on = models.DateField(_("due on"))
    opens_on = models.DateField(_("opens on"))
    trigger = models.CharField(_("trigger"), max_length=10, choices=Trigger.choices, default=Trigger.CALENDAR)
    status = models.CharField(
        _("status"), max_length=10, choices=PmStatus.choices, default=PmStatus.SCHEDULED
    )
    ticket = models.OneToOneField(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="pm_work_order"
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    meter_reading = models.DecimalField(max_digits=16, decimal_places=3, null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("maintenance work order")
        verbose_name_plural = _("maintenance work orders")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "asset", "planned_on"], name="maintenance_pm_once_per_due_date"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "opens_on"], name="maintenance_pm_opening_idx"),
            models.Index(fields=["due_on"], name="maintenance_pm_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.asset_id} {self.due_on}"

    @property
    def is_late(self) -> bool:
        if self.completed_at is None:
            return self.due_on < timezone.localdate()
        return timezone.localdate(self.completed_at) > self.due_on


class ChecklistAnswer(models.Model):
    """The answer to one step on one work order; `passed` is False for a failed check or a number out of
    its limits."""

    work_order = models.ForeignKey(PmWorkOrder, on_delete=models.CASCADE, related_name="answers")
    step = models.ForeignKey(ChecklistStep, on_delete=models.CASCADE, related_name="answers")
    passed = models.BooleanField(null=True)
    number = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    note = models.TextField(blank=True)
    attachment = models.ForeignKey(
        "tickets.Attachment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["step__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["work_order", "step"], name="maintenance_one_answer_per_step"),
        ]
