"""The ticket event kinds notifications write (registered on ticket timelines at start-up)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.tickets.events import register

ONCALL_PAGED = register("oncall_paged", _("paged the on-call people"))
ONCALL_UNAVAILABLE = register("oncall_unavailable", _("tried to page on-call, but nobody is on call"))
ONCALL_ACKNOWLEDGED = register("oncall_acknowledged", _("acknowledged the page"))
ONCALL_PAGE_STOPPED = register("oncall_page_stopped", _("stopped paging without an acknowledgement"))
