"""An agent's own queue view: a name, the queue's query (filters and sort) and the columns it shows, shared
with one team or not."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MAX_VIEW_NAME = 60
MAX_VIEW_QUERY = 1000
MAX_VIEWS_PER_OWNER = 30


class QueueColumn(models.TextChoices):
    """The queue's optional columns (the number and the subject are always shown), in their order."""

    STATUS = "status", _("Status")
    PRIORITY = "priority", pgettext_lazy("ticket field", "Priority")
    REQUESTER = "requester", _("Requester")
    ASSIGNEE = "assignee", _("Assignee / team")
    CATEGORY = "category", _("Category")
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    DUE = "due", _("Due / SLA")


DEFAULT_COLUMNS = ("status", "priority", "requester", "assignee", "updated", "due")


class SavedView(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(_("name"), max_length=MAX_VIEW_NAME)
    # The queue's own query string (status=open&sort=due…), checked by TicketFilters.parse when saved.
    query = models.CharField(_("filters"), max_length=MAX_VIEW_QUERY, blank=True)
    # The optional columns shown, comma-separated in the queue's order; empty: DEFAULT_COLUMNS.
    columns = models.CharField(_("columns"), max_length=120, blank=True)
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

    @property
    def column_list(self) -> list[str]:
        return self.columns.split(",") if self.columns else list(DEFAULT_COLUMNS)
