"""What an on-call page says, in the reader's language, with a signed link that acknowledges it.

Two kinds: `oncall_page`, the notice each paged person gets (with their own acknowledge link), and
`ticket_p0_page`, what a notification rule on the "P0 page" event posts to a chat group or mails to others.
Both say why the page rang through `oncall.reasons`, so a stored code reads as words."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from gongdan.notifications.kinds import Rendered, site_url
from gongdan.oncall.links import ack_token
from gongdan.oncall.reasons import describe_page_reason

ONCALL_PAGE = "oncall_page"
RULE_PAGE = "ticket_p0_page"  # the notification rules' kind for the "P0 page" event


def page_title(data: dict[str, Any]) -> str:
    reason = describe_page_reason(str(data.get("reason") or ""))
    return _("On-call page: %(reason)s") % {"reason": reason} if reason else _("On-call page")


def render_page(data: dict[str, Any], user: Any) -> Rendered:
    title = page_title(data)
    lines = [
        title,
        _("You are on call. Acknowledge this page so the repeats stop and your team knows you have it."),
    ]
    rendered = Rendered(title=title, lines=lines)
    page_id = data.get("page_id")
    if page_id and getattr(user, "pk", None):
        rendered.action_url = site_url(
            reverse("oncall:page_ack_link", args=[ack_token(int(page_id), user.pk)])
        )
        rendered.action_label = _("Acknowledge")
    return rendered


def render_rule_page(data: dict[str, Any], user: Any) -> Rendered:
    title = page_title(data)
    return Rendered(title=title, lines=[title])


def page_explanation(data: dict[str, Any]) -> str:
    """A page's line on the ticket's timeline: why on-call was paged, in the reader's language, and whom the
    page reached."""
    reason = describe_page_reason(str(data.get("reason") or ""))
    people = ", ".join(str(p.get("label", "")) for p in data.get("recipients") or [] if isinstance(p, dict))
    if people:
        return _("%(reason)s · to %(people)s") % {"reason": reason, "people": people}
    return reason
