"""The ticket event kinds the portal writes (registered on ticket timelines at start-up)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongdan.notifications.rules import register_event_source
from gongdan.tickets.events import register

# data: {"rating": 1..5, "comment": str}; reports read exactly this shape.
CSAT_RATED = register("csat_rated", _("rated the service"), public=True)

# A rating wakes the notification rules written for the "satisfaction survey" event (e.g. tell the team lead).
register_event_source(CSAT_RATED, "survey")


def describe_rating(_kind: str, data: dict[str, Any]) -> str:
    """A rating's line on the ticket's timeline: the score and what the requester wrote with it."""
    rating, comment = data.get("rating"), str(data.get("comment") or "").strip()
    if comment:
        return gettext("Rated %(rating)s/5: “%(comment)s”") % {"rating": rating, "comment": comment}
    return gettext("Rated %(rating)s/5") % {"rating": rating}
