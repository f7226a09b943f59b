"""What an on-call page says, in the reader's language, with a signed link that acknowledges it."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from gongdan.notifications.kinds import Rendered, site_url
from gongdan.oncall.links import ack_token

ONCALL_PAGE = "oncall_page"


def render_page(data: dict[str, Any], user: Any) -> Rendered:
    reason = str(data.get("reason") or "")
    title = _("On-call page: %(reason)s") % {"reason": reason} if reason else _("On-call page")
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
