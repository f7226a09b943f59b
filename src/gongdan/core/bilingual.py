"""Configuration rows an admin names in both site languages (rule 8): `name` is the Chinese name,
`name_en` the English one; `label` picks the one for the active language and falls back to the other."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def pick_label(name: str, name_en: str) -> str:
    language = (get_language() or "zh-hans").lower()
    if language.startswith("en"):
        return name_en or name
    return name or name_en


class BilingualNamed(models.Model):
    name = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return pick_label(self.name, self.name_en)
