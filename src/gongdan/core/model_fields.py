"""Field shapes several apps' models share."""

from __future__ import annotations

from typing import Any

from django.db import models


def optional_reference(to: str, verbose_name: Any) -> models.ForeignKey:
    """An optional link to a configuration row (a category, team, priority or ticket type) that new tickets
    take as their default; emptied if the row is deleted, and with no reverse accessor."""
    return models.ForeignKey(
        to, verbose_name=verbose_name, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
