"""The agent's side: the bell, my notifications, my pages and acknowledging a page (also from a mail link)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongdan.core.domain_errors import DomainError
from gongdan.notifications import kinds, selectors, services
from gongdan.web.http import SignedInRequest


def _int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**62 else None


def _rows(notices, user):
    return [(n, kinds.render(n.kind, data=n.data, ticket=n.ticket, user=user)) for n in notices]


@login_required
@require_GET
def bell(request: SignedInRequest) -> HttpResponse:
    """The top bar's bell with the unread count, loaded after the page so pages gain no query."""
    return render(
        request, "notifications/_bell_link.html", {"unread": selectors.unread_count(actor=request.user)}
    )


@login_required
@require_GET
def notification_list(request: SignedInRequest) -> HttpResponse:
    before = _int(request.GET.get("before"))
    notices, next_before = selectors.notification_page(actor=request.user, before=before)
    return render(request, "notifications/notification_list.html", {
        "rows": _rows(notices, request.user), "next_before": next_before, "before": before,
        "unread": selectors.unread_count(actor=request.user),
    })  # fmt: skip


@login_required
@require_POST
def notification_read(request: SignedInRequest, pk: int) -> HttpResponse:
    try:
        notice = services.notification_mark_read(actor=request.user, notification_id=pk)
    except DomainError as exc:
        return render(
            request, "notifications/message.html", {"title": _("Not found"), "text": exc.message}, status=404
        )
    if request.htmx:
        notice = type(notice).objects.select_related("ticket").get(pk=notice.pk)
        response = render(request, "notifications/_notification_row.html",
                          {"row": _rows([notice], request.user)[0]})  # fmt: skip
        response["HX-Trigger"] = "gd-notifications-changed"
        return response
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: SignedInRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(actor=request.user)
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    return redirect("notifications:list")
