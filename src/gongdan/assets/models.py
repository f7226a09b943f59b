"""Where work happens: a location tree (site → building → floor → room). Equipment comes later."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Location(models.Model):
    class Kind(models.TextChoices):
        SITE = "site", _("Site")
        BUILDING = "building", _("Building")
        FLOOR = "floor", _("Floor")
        ROOM = "room", _("Room")
        AREA = "area", _("Area")

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SITE)
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=60, blank=True)
    address = models.CharField(_("address"), max_length=400, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    # Materialised path of ids ("/1/4/9/") so a subtree is one indexed prefix query.
    path = models.CharField(max_length=400, db_index=True, editable=False, default="/")
    full_name = models.CharField(max_length=800, editable=False, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="assets_location_unique_name_in_parent"),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True) | models.Q(latitude__gte=-90, latitude__lte=90),
                name="assets_location_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True)
                | models.Q(longitude__gte=-180, longitude__lte=180),
                name="assets_location_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.name
