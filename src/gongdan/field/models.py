"""A technician's time on site: one row per visit, opened by check-in (start) and closed by check-out
(pause or finish), each end with the phone's position when the technician shared it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class GeoStatus(models.TextChoices):
    SHARED = "shared", _("shared")
    DENIED = "denied", _("not shared")
    UNAVAILABLE = "unavailable", _("unavailable")


class EndReason(models.TextChoices):
    PAUSE = "pause", _("paused")
    FINISH = "finish", _("finished")


class Visit(models.Model):
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="field_visits")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="field_visits")
    started_at = models.DateTimeField(_("checked in"))
    start_geo = models.CharField(max_length=12, choices=GeoStatus.choices)
    start_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    start_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    start_accuracy_m = models.FloatField(null=True, blank=True)
    # Metres from the job's location when checking in; kept as measured then (the place may move later).
    start_distance_m = models.FloatField(null=True, blank=True)
    ended_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    end_reason = models.CharField(max_length=10, choices=EndReason.choices, blank=True)
    end_geo = models.CharField(max_length=12, choices=GeoStatus.choices, blank=True)
    end_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    end_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    end_accuracy_m = models.FloatField(null=True, blank=True)
    end_distance_m = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name = _("site visit")
        verbose_name_plural = _("site visits")
        indexes = [models.Index(fields=["ticket", "started_at"], name="field_visit_ticket_idx")]
        constraints = [
            # One open visit per technician and job: a double tap on "start" cannot open two.
            models.UniqueConstraint(
                fields=["ticket", "user"],
                condition=models.Q(ended_at__isnull=True),
                name="field_visit_one_open_per_user",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | models.Q(ended_at__gte=models.F("started_at")),
                name="field_visit_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.user_id} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration_seconds(self) -> int | None:
        if self.ended_at is None:
            return None
        return int((self.ended_at - self.started_at).total_seconds())
