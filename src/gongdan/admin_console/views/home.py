from __future__ import annotations

from django.http import HttpResponse

from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.registry import sections
from gongdan.admin_console.views.page import render_page


@admin_required
def index(request: AdminRequest) -> HttpResponse:
    groups: dict[str, list] = {}
    for section in sections():
        count = section.count() if section.count is not None else None
        groups.setdefault(str(section.group_title), []).append((section, count))
    return render_page(request, "admin_console/index.html", groups=groups.items())
