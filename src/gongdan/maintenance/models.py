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
