"""The ticket event kinds the portal writes (registered on ticket timelines at start-up)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongdan.notifications.rules import register_event_source
from gongdan.tickets.events import register

# data: {"rating": 1..5, "comment": str}; reports read exactly this shape.
CSAT_RATED = register("csat_rated", _("rated the service"), public=True)

# data: {"name", "phone", "email"}: who reported without an account and how to reach them (staff only).
WALK_UP_REPORTED = register("walk_up_reported", _("was reported without an account"))

# A rating wakes the notification rules written for the "satisfaction survey" event (e.g. tell the team lead).
register_event_source(CSAT_RATED, "survey")


def describe_rating(_kind: str, data: dict[str, Any]) -> str:
    """A rating's line on the ticket's timeline: the score and what the requester wrote with it."""
    rating, comment = data.get("rating"), str(data.get("comment") or "").strip()
    if comment:
        return gettext("Rated %(rating)s/5: “%(comment)s”") % {"rating": rating, "comment": comment}
    return gettext("Rated %(rating)s/5") % {"rating": rating}


def describe_walk_up(_kind: str, data: dict[str, Any]) -> str:
    """The reporter's contact on the agents' timeline, so a technician can call back."""
    reach = " · ".join(str(data.get(key) or "") for key in ("phone", "email") if data.get(key))
    return gettext("Reported without an account by %(name)s (%(reach)s)") % {
        "name": data.get("name", ""),
        "reach": reach,
    }
