"""Retention rules: how long closed tickets keep the personal data they hold."""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_MONTHS = 1200


class RetentionSettings(models.Model):
    """One row: the site-wide rule (0 months: keep until someone is erased)."""

    closed_ticket_months = models.PositiveSmallIntegerField(
        _("months after closing"), default=0, validators=[MaxValueValidator(MAX_MONTHS)]
    )
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("retention settings")
        verbose_name_plural = _("retention settings")

    def __str__(self) -> str:
        return str(_("Retention settings"))


class CategoryRetention(models.Model):
    """A category that keeps its closed tickets' personal data for a different time than the site's rule."""

    category = models.OneToOneField(
        "tickets.Category", verbose_name=_("category"), on_delete=models.CASCADE, related_name="+"
    )
    months = models.PositiveSmallIntegerField(
        _("months after closing"), validators=[MaxValueValidator(MAX_MONTHS)]
    )

    class Meta:
        verbose_name = _("category retention")
        verbose_name_plural = _("category retentions")
        constraints = [
            models.CheckConstraint(condition=models.Q(months__gte=1), name="privacy_category_months_positive")
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.months}"
