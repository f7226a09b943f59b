"""The ticket event kinds the portal writes (registered on ticket timelines at start-up)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.tickets.events import register

# data: {"rating": 1..5, "comment": str}; reports read exactly this shape.
CSAT_RATED = register("csat_rated", _("rated the service"), public=True)

# A rating wakes the notification rules written for the "satisfaction survey" event (e.g. tell the team lead).
try:
    from gongdan.notifications.rules import register_event_source
except ImportError:  # notifications not installed
    pass
else:
    register_event_source(CSAT_RATED, "survey")
