"""On-call screens: the pages sent to me and their acknowledgement (also by a mailed link), and the schedules,
overrides and who is on call (administrators)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongdan.accounts.models import User
from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.screens import SettingsScreen
from gongdan.admin_console.views.page import render_page
from gongdan.core.domain_errors import DomainError
from gongdan.oncall import selectors, services
from gongdan.oncall.forms import OverrideForm, ScheduleForm
from gongdan.oncall.links import read_ack_token
from gongdan.oncall.models import OnCallSchedule, Page
from gongdan.oncall.rotation import oncall_now
from gongdan.tickets.selectors import ticket_get
from gongdan.web.forms import show_domain_error
from gongdan.web.http import SignedInRequest


@admin_required
def schedule_list(request: AdminRequest) -> HttpResponse:
    schedules = list(OnCallSchedule.objects.select_related("team").order_by("name", "id"))
    now = timezone.now()
    rows = [(s, oncall_now(s, now)) for s in schedules]
    return render_page(request, "oncall/schedule_list.html", section="oncall", rows=rows)


def _initial(schedule: OnCallSchedule) -> dict:
    people = list(schedule.participants.select_related("user").order_by("layer", "position"))
    return {
        "name": schedule.name, "team": schedule.team_id, "time_zone": schedule.time_zone,
        "rotation_days": schedule.rotation_days, "handoff_time": schedule.handoff_time,
        "start_date": schedule.start_date, "repeat_interval_minutes": schedule.repeat_interval_minutes,
        "escalate_after_repeats": schedule.escalate_after_repeats, "max_repeats": schedule.max_repeats,
        "is_active": schedule.is_active,
        "primary": [p.user for p in people if p.layer == 1], "backup": [p.user for p in people if p.layer == 2],
    }  # fmt: skip


SCHEDULES = SettingsScreen(
    model=OnCallSchedule, section="oncall", form_class=ScheduleForm, list_url="oncall:schedule_list",
    create=services.oncall_schedule_create, update=services.oncall_schedule_update, instance_key="schedule",
    initial=_initial, initial_new=lambda request: {"start_date": timezone.localdate()},
    name_of=lambda schedule: schedule.name, new_title=gettext_lazy("New on-call schedule"),
    edit_title=gettext_lazy("Edit on-call schedule"), saved=gettext_lazy("Schedule %(name)s was saved."),
    after_save=lambda schedule: ("oncall:schedule_detail", schedule.pk),
)  # fmt: skip
schedule_create, schedule_edit = (
    SCHEDULES.create_view,
    SCHEDULES.edit_view,
)  # the list shows who is on call now


@admin_required
def schedule_detail(request: AdminRequest, pk: int) -> HttpResponse:
    """Who is on call now and for the next 7 days, and the overrides (add one here)."""
    schedule = get_object_or_404(OnCallSchedule.objects.select_related("team"), pk=pk)
    form = OverrideForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.oncall_override_create(actor=request.user, schedule=schedule, **form.cleaned_data)
            except DomainError as exc:
                show_domain_error(form, exc)
            else:
                messages.success(request, _("The override was added."))
                return redirect("oncall:schedule_detail", pk=schedule.pk)
        status = 422
    now = timezone.now()
    overrides = schedule.overrides.select_related("user").filter(ends_at__gt=now).order_by("starts_at")
    return render_page(request, "oncall/schedule_detail.html", section="oncall", status=status,
                       schedule=schedule, now=oncall_now(schedule, now), shifts=selectors.upcoming_shifts(schedule, now=now),
                       overrides=list(overrides), form=form)  # fmt: skip


@admin_required
@require_POST
def override_delete(request: AdminRequest, pk: int, override_id: int) -> HttpResponse:
    try:
        services.oncall_override_delete(actor=request.user, override_id=override_id)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The override was removed."))
    return redirect("oncall:schedule_detail", pk=pk)


@login_required
@require_GET
def page_list(request: SignedInRequest) -> HttpResponse:
    return render(request, "oncall/page_list.html", {"pages": selectors.my_pages(actor=request.user)})


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("oncall:pages")


@login_required
@require_POST
def page_ack(request: SignedInRequest, pk: int) -> HttpResponse:
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
    return render(request, "oncall/page_ack_confirm.html", {"page": page, "person": person})


@login_required
@require_GET
def ticket_pages(request: SignedInRequest, number: str) -> HttpResponse:
    """The pages of one ticket with an Acknowledge button, as an htmx fragment (the ticket page itself
    renders the same `_ticket_pages.html` inline from `selectors.ticket_pages`)."""

    if not request.user.is_staff_member:
        return HttpResponse(status=404)
    try:
        ticket = ticket_get(actor=request.user, number=number[:40])
    except DomainError:
        return HttpResponse(status=404)
    pages = selectors.ticket_pages(actor=request.user, ticket=ticket)
    return render(request, "oncall/_ticket_pages.html", {"ticket": ticket, "pages": pages})
