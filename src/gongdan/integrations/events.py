"""The ticket event kinds integrations write (registered on the tickets timeline at start-up)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.tickets.events import register

ALERT_RESOLVED = register("alert_resolved", _("received word that the alert has resolved"), public=True)
SEVERITY_UNMAPPED = register(
    "integration_severity_unmapped",
    _("found a severity missing from the integration's table and used the default priority"),
)
# data: {"category": [zh, en], "fields": [[zh, en], …], "integration": name, "kind": kind}
CATEGORY_UNUSABLE = register(
    "integration_category_unusable",
    _("opened the ticket without the integration's category, whose required fields it cannot fill"),
)
