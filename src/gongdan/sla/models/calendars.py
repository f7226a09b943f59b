"""Business calendars: weekly working hours in a time zone, public holidays and make-up working days."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongdan.core.bilingual import BilingualNamed


class BusinessCalendar(BilingualNamed):
    """`weekly_hours` maps "0" (Monday) … "6" (Sunday) to [[start, end], …] in minutes from local midnight
    (e.g. [[540, 720], [780, 1080]] is 09:00–12:00 and 13:00–18:00). A 24×7 calendar ignores it."""

    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    is_24x7 = models.BooleanField(_("24×7"), default=False)
    weekly_hours = models.JSONField(_("weekly working hours"), default=dict, blank=True)
    description = models.TextField(_("description"), blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        constraints = [models.UniqueConstraint(fields=["name"], name="sla_calendar_name_unique")]


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday (day off)")
    WORKDAY = "workday", _("Make-up working day (调休)")


class CalendarDay(models.Model):
    """One date that differs from the weekly pattern."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices, default=DayKind.HOLIDAY)
    name = models.CharField(_("name"), max_length=120, blank=True)
    # Working hours of a make-up day, like weekly_hours' values; empty for a holiday.
    hours = models.JSONField(_("working hours"), default=list, blank=True)
    is_provisional = models.BooleanField(
        _("provisional"),
        default=False,
        help_text=_("Shipped before the official notice: check it and edit or import the final dates."),
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="sla_calendar_day_unique")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
