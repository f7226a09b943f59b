"""The one row every process reads to know whether its copy of the site's configuration is still current."""

from __future__ import annotations

from django.db import models


class ConfigurationVersion(models.Model):
    """A token that changes whenever an admin changes configuration (categories, priorities, types, forms,
    workflow, numbering, teams, SLA policies and calendars, routing rules). See gongdan.core.config_cache."""

    token = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.token)
