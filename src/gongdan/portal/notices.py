"""What the portal's notification kinds say (registered with gongdan.notifications.kinds at start-up).

Requesters' notices link to the portal, never to the agent screens."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from gongdan.notifications.kinds import Rendered, register_renderer, register_requester_link, site_url
from gongdan.portal.models import Survey
from gongdan.portal.services import survey_url

PORTAL_SUBMITTED = "portal_submitted"
CSAT_REQUEST = "csat_request"
CSAT_LOW = "csat_low"

__all__ = ["CSAT_LOW", "CSAT_REQUEST", "PORTAL_SUBMITTED", "site_url"]


def portal_ticket_url(number: Any) -> str:
    text = str(number or "")
    if not text:
        return site_url(reverse("portal:home"))
    return site_url(reverse("portal:request_detail", args=[text]))


def _submitted(data: dict[str, Any], user: Any) -> Rendered:
    number = str(data.get("number") or "")
    title = _("We received your request %(number)s") % {"number": number}
    lines = [
        title,
        _(
            "Keep this number: it is how you and we refer to your request. We will let you know as it moves on."
        ),
    ]
    return Rendered(
        title=title, lines=lines, action_url=portal_ticket_url(number), action_label=_("Follow your request")
    )


def _csat_request(data: dict[str, Any], user: Any) -> Rendered:

    number = str(data.get("number") or "")
    title = _("How did we do with %(number)s?") % {"number": number}
    lines = [
        title,
        _(
            "Your request was resolved. Please rate our work from 1 (poor) to 5 (excellent); it takes one click."
        ),
        _("If it is not fixed, say so in the portal and we will continue."),
    ]
    survey_id = data.get("survey")
    survey = (
        Survey(pk=int(survey_id)) if isinstance(survey_id, int) and not isinstance(survey_id, bool) else None
    )
    if survey is None:
        return Rendered(title=title, lines=lines, action_url=portal_ticket_url(number),
                        action_label=_("Follow your request"))  # fmt: skip
    return Rendered(
        title=title, lines=lines, action_url=survey_url(survey), action_label=_("Rate the service")
    )


def _csat_low(data: dict[str, Any], user: Any) -> Rendered:
    rating = data.get("rating")
    title = _("Low satisfaction rating: %(rating)s/5") % {"rating": rating}
    lines = [title]
    if data.get("requester"):
        lines.append(_("From %(name)s.") % {"name": data["requester"]})
    if data.get("comment"):
        lines.append(_("Comment: %(comment)s") % {"comment": data["comment"]})
    return Rendered(title=title, lines=lines)


register_requester_link(portal_ticket_url)
register_renderer(PORTAL_SUBMITTED, _submitted)
register_renderer(CSAT_REQUEST, _csat_request)
register_renderer(CSAT_LOW, _csat_low)
