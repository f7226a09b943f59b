"""Settings screens (administrators): on-call schedules, overrides, who is on call, the outbox."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.views.page import form_status, render_page
from gongdan.core.domain_errors import DomainError
from gongdan.notifications import selectors, services
from gongdan.notifications.delivery import channel_for
from gongdan.notifications.forms import OverrideForm, ScheduleForm
from gongdan.notifications.models import OnCallSchedule, OutboxMessage
from gongdan.notifications.oncall import oncall_now
from gongdan.web.forms import show_domain_error


@admin_required
def schedule_list(request: AdminRequest) -> HttpResponse:
    schedules = list(OnCallSchedule.objects.select_related("team").order_by("name", "id"))
    now = timezone.now()
    rows = [(s, oncall_now(s, now)) for s in schedules]
    return render_page(request, "notifications/settings/schedule_list.html", section="oncall", rows=rows)


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


def _schedule_form(request: AdminRequest, schedule: OnCallSchedule | None) -> HttpResponse:
    if request.method == "POST":
        form = ScheduleForm(request.POST)
        if form.is_valid():
            try:
                if schedule is None:
                    schedule = services.oncall_schedule_create(actor=request.user, **form.service_values())
                else:
                    schedule = services.oncall_schedule_update(
                        actor=request.user, schedule=schedule, **form.service_values()
                    )
            except DomainError as exc:
                show_domain_error(form, exc)
            else:
                messages.success(request, _("Schedule %(name)s was saved.") % {"name": schedule.name})
                return redirect("notifications:schedule_detail", pk=schedule.pk)
    else:
        form = ScheduleForm(initial=_initial(schedule) if schedule else {"start_date": timezone.localdate()})
    title = _("Edit on-call schedule") if schedule else _("New on-call schedule")
    return render_page(request, "admin_console/form_page.html", section="oncall", form=form, title=title,
                       cancel_url="notifications:schedule_list", status=form_status(request, form))  # fmt: skip


@admin_required
def schedule_create(request: AdminRequest) -> HttpResponse:
    return _schedule_form(request, None)


@admin_required
def schedule_edit(request: AdminRequest, pk: int) -> HttpResponse:
    return _schedule_form(request, get_object_or_404(OnCallSchedule, pk=pk))


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
                return redirect("notifications:schedule_detail", pk=schedule.pk)
        status = 422
    now = timezone.now()
    overrides = schedule.overrides.select_related("user").filter(ends_at__gt=now).order_by("starts_at")
    return render_page(request, "notifications/settings/schedule_detail.html", section="oncall", status=status,
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
    return redirect("notifications:schedule_detail", pk=pk)


@admin_required
def outbox_list(request: AdminRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in OutboxMessage.State.values else ""
    try:
        before = int(request.GET.get("before", "") or 0) or None
    except ValueError:
        before = None
    rows, next_before = selectors.outbox_list(actor=request.user, state=state, before=before)
    email = channel_for("email")
    return render_page(
        request, "notifications/settings/outbox_list.html", section="outbox", rows=rows, state=state,
        states=OutboxMessage.State.choices, next_before=next_before, before=before, counts=selectors.outbox_counts(),
        email_problem="" if email.is_configured() else email.not_configured_reason(),
    )  # fmt: skip


@admin_required
@require_POST
def outbox_retry(request: AdminRequest, pk: int) -> HttpResponse:
    try:
        services.outbox_retry(actor=request.user, message_id=pk)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The message was queued again."))
    return redirect(request.POST.get("next") if str(request.POST.get("next", "")).startswith("/settings/outbox/")
                    else "notifications:outbox")  # fmt: skip
