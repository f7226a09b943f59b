"""An agent's own queue view: a name and the queue's query (filters and sort), shared with one team or not."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_VIEW_NAME = 60
MAX_VIEW_QUERY = 1000
MAX_VIEWS_PER_OWNER = 30


class SavedView(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(_("name"), max_length=MAX_VIEW_NAME)
    # The queue's own query string (status=open&sort=due…), checked by TicketFilters.parse when saved.
    query = models.CharField(_("filters"), max_length=MAX_VIEW_QUERY, blank=True)
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="saved_views",
        verbose_name=_("shared with team"),
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name", "id")
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="tickets_savedview_owner_name")]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")

    def __str__(self) -> str:
        return self.name
