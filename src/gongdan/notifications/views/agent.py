"""The agent's side: the bell, my notifications, my pages and acknowledging a page (also from a mail link)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongdan.accounts.models import User
from gongdan.core.domain_errors import DomainError
from gongdan.notifications import kinds, selectors, services
from gongdan.notifications.models import Page
from gongdan.notifications.paging_links import read_ack_token


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
def bell(request: HttpRequest) -> HttpResponse:
    """The top bar's bell with the unread count, loaded after the page so pages gain no query."""
    return render(
        request, "notifications/_bell_link.html", {"unread": selectors.unread_count(actor=request.user)}
    )


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    before = _int(request.GET.get("before"))
    notices, next_before = selectors.notification_page(actor=request.user, before=before)
    return render(request, "notifications/notification_list.html", {
        "rows": _rows(notices, request.user), "next_before": next_before, "before": before,
        "unread": selectors.unread_count(actor=request.user),
    })  # fmt: skip


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        notice = services.notification_mark_read(actor=request.user, notification_id=pk)
    except DomainError as exc:
        return render(
            request, "notifications/message.html", {"title": _("Not found"), "text": exc.message}, status=404
        )
    if request.headers.get("HX-Request"):
        notice = type(notice).objects.select_related("ticket").get(pk=notice.pk)
        response = render(request, "notifications/_notification_row.html",
                          {"row": _rows([notice], request.user)[0]})  # fmt: skip
        response["HX-Trigger"] = "gd-notifications-changed"
        return response
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(actor=request.user)
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    return redirect("notifications:list")


@login_required
@require_GET
def page_list(request: HttpRequest) -> HttpResponse:
    return render(request, "notifications/page_list.html", {"pages": selectors.my_pages(actor=request.user)})


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:pages")


@login_required
@require_POST
def page_ack(request: HttpRequest, pk: int) -> HttpResponse:
    """The Acknowledge button on My pages and on a ticket's pages (which sends `next` to come back to)."""
    try:
        page = services.page_acknowledge(actor=request.user, page_id=pk, via="web")
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(request)
    messages.success(request, _("You acknowledged the page for %(number)s; the repeats have stopped.")
                     % {"number": page.ticket.number})  # fmt: skip
    return _back(request)


def _refuse(request: HttpRequest, text: str, status: int = 400) -> HttpResponse:
    return render(request, "notifications/message.html",
                  {"title": _("This link cannot be used"), "text": text, "failed": True}, status=status)  # fmt: skip


@require_http_methods(["GET", "POST"])
def page_ack_link(request: HttpRequest, token: str) -> HttpResponse:
    """From the page email: GET shows what is being acknowledged (mail scanners that follow links change
    nothing), POST acknowledges as the person the link was sent to. Expired, forged or used links are refused."""
    try:
        page_id, user_id = read_ack_token(token)
    except signing.SignatureExpired:
        return _refuse(
            request, _("This acknowledgement link has expired. Open the ticket and acknowledge there.")
        )
    except signing.BadSignature:
        return _refuse(request, _("This acknowledgement link is not valid."))
    person = User.objects.filter(pk=user_id, is_active=True).first()
    page = Page.objects.select_related("ticket", "acknowledged_by").filter(pk=page_id).first()
    if person is None or page is None or not services.can_acknowledge(person, page):
        return _refuse(request, _("This acknowledgement link is not valid."), status=404)
    if page.state == Page.State.ACKNOWLEDGED:
        return _refuse(request, _("This page was already acknowledged by %(name)s; the link has been used.")
                       % {"name": page.acknowledged_by.name if page.acknowledged_by else "?"}, status=409)  # fmt: skip
    if request.method == "POST":
        try:
            services.page_acknowledge(actor=person, page_id=page.pk, via="email_link")
        except DomainError as exc:
            return _refuse(request, str(exc.message), status=409)
        return render(request, "notifications/message.html", {
            "title": _("Acknowledged"),
            "text": _("Thank you, %(name)s. The page for %(number)s is acknowledged and the repeats have stopped.")
            % {"name": person.name, "number": page.ticket.number},
            "ticket": page.ticket,
        })  # fmt: skip
    return render(request, "notifications/page_ack_confirm.html", {"page": page, "person": person})


@login_required
@require_GET
def ticket_pages(request: HttpRequest, number: str) -> HttpResponse:
    """The pages of one ticket with an Acknowledge button, as an htmx fragment (the ticket page itself
    renders the same `_ticket_pages.html` inline from `selectors.ticket_pages`)."""
    from gongdan.tickets.selectors import ticket_get

    if not request.user.is_staff_member:
        return HttpResponse(status=404)
    try:
        ticket = ticket_get(actor=request.user, number=number[:40])
    except DomainError:
        return HttpResponse(status=404)
    pages = selectors.ticket_pages(actor=request.user, ticket=ticket)
    return render(request, "notifications/_ticket_pages.html", {"ticket": ticket, "pages": pages})
