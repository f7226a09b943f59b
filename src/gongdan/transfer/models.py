"""Site-wide versions of the configuration: the whole export file as it stood, who made the version and why,
and what changed since the one before (by section and natural key)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConfigurationVersion(models.Model):
    class Reason(models.TextChoices):
        SAVED = "saved", _("Saved by hand")
        BEFORE_IMPORT = "before_import", _("Before an import")
        IMPORTED = "imported", _("Imported")
        REVERTED = "reverted", _("Reverted")

    number = models.PositiveIntegerField(_("version"), unique=True)
    reason = models.CharField(_("why"), max_length=20, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL,
                              null=True, blank=True, related_name="+")  # fmt: skip
    content = models.JSONField(default=dict)  # the export file
    changes = models.JSONField(
        default=list
    )  # [{"section", "key", "action", "fields"}] since the version before
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("configuration version")
        verbose_name_plural = _("configuration versions")

    def __str__(self) -> str:
        return f"#{self.number}"
