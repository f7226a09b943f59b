"""SLA settings screens (admins, under /settings/sla/): calendars with their days and iCalendar import,
policies with targets and escalation steps."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.screens import SettingsScreen
from gongdan.admin_console.views.page import form_status, render_page
from gongdan.core.domain_errors import DomainError
from gongdan.sla import business_time, selectors, services
from gongdan.sla.forms import CalendarForm, DayForm, IcalUploadForm, PolicyForm, StepForm
from gongdan.sla.models import BusinessCalendar, CalendarDay, DayKind, EscalationStep, SlaPolicy
from gongdan.web.forms import show_domain_error

MAX_IMPORT_ROWS = 1000

# Calendars ---------------------------------------------------------------------------------------------


@admin_required
def calendar_list(request: AdminRequest) -> HttpResponse:
    return render_page(
        request, "sla/calendars/list.html", section="sla_calendars", calendars=selectors.calendar_list()
    )


def _calendar_page(request: AdminRequest, form: CalendarForm, calendar: BusinessCalendar | None, *,
                   day_form: DayForm | None = None, status: int = 200) -> HttpResponse:  # fmt: skip
    days = list(calendar.days.all()) if calendar else []
    for day in days:
        day.hours_text = business_time.format_hours(day.hours or [])  # type: ignore[attr-defined]
    return render_page(
        request, "sla/calendars/form.html", section="sla_calendars", form=form, calendar=calendar, days=days,
        day_form=day_form or DayForm(), upload_form=IcalUploadForm(), status=status,
        provisional=any(d.is_provisional for d in days),
    )  # fmt: skip


@admin_required
def calendar_create(request: AdminRequest) -> HttpResponse:
    form = (
        CalendarForm(request.POST)
        if request.method == "POST"
        else CalendarForm(initial={f"day_{d}": "09:00-12:00, 13:00-18:00" for d in range(5)})
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            calendar = services.calendar_create(
                actor=request.user, name=data["name"], name_en=data["name_en"], time_zone=data["time_zone"],
                is_24x7=data["is_24x7"], weekly_hours=form.weekly(), description=data["description"],
            )  # fmt: skip
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("Calendar %(name)s was created.") % {"name": calendar.label})
            return redirect("sla:calendar_edit", pk=calendar.pk)
    return _calendar_page(request, form, None, status=form_status(request, form))


@admin_required
def calendar_edit(request: AdminRequest, pk: int) -> HttpResponse:
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    if request.method == "POST":
        form = CalendarForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.calendar_update(
                    actor=request.user, calendar=calendar, name=data["name"], name_en=data["name_en"],
                    time_zone=data["time_zone"], is_24x7=data["is_24x7"], weekly_hours=form.weekly(),
                    description=data["description"],
                )  # fmt: skip
            except DomainError as exc:
                calendar.refresh_from_db()
                show_domain_error(form, exc)
            else:
                messages.success(request, _("Changes to %(name)s were saved.") % {"name": calendar.label})
                return redirect("sla:calendar_edit", pk=calendar.pk)
    else:
        form = CalendarForm(initial=CalendarForm.initial_for(calendar))
    return _calendar_page(request, form, calendar, status=form_status(request, form))


CALENDARS = SettingsScreen(
    model=BusinessCalendar, section="sla_calendars", list_url="sla:calendar_list", edit_url="sla:calendar_edit",
    delete=services.calendar_delete, instance_key="calendar", name_of=lambda calendar: calendar.label,
    deleted=gettext_lazy("Calendar %(name)s was deleted."),
)  # fmt: skip
calendar_delete = (
    CALENDARS.delete_view
)  # a calendar in use is kept, and the page says which policies to change


@admin_required
@require_POST
def day_add(request: AdminRequest, pk: int) -> HttpResponse:
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    day_form = DayForm(request.POST)
    if day_form.is_valid():
        data = day_form.cleaned_data
        try:
            services.calendar_day_set(actor=request.user, calendar=calendar, day=data["date"], kind=data["kind"],
                                      name=data["name"], hours=data["hours"])  # fmt: skip
        except DomainError as exc:
            show_domain_error(day_form, exc)
        else:
            messages.success(request, _("%(date)s was saved.") % {"date": data["date"].isoformat()})
            return redirect("sla:calendar_edit", pk=pk)
    form = CalendarForm(initial=CalendarForm.initial_for(calendar))
    return _calendar_page(request, form, calendar, day_form=day_form, status=422)


@admin_required
@require_POST
def day_delete(request: AdminRequest, pk: int) -> HttpResponse:
    day = get_object_or_404(CalendarDay, pk=pk)
    services.calendar_day_delete(actor=request.user, day=day)
    messages.success(request, _("%(date)s was removed.") % {"date": day.date.isoformat()})
    return redirect("sla:calendar_edit", pk=day.calendar_id)


@admin_required
def calendar_import(request: AdminRequest, pk: int) -> HttpResponse:
    """Upload an .ics file → a preview where each day is marked holiday, make-up day or skip → import."""
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    if request.method == "POST" and request.POST.get("confirm"):
        rows = []
        try:
            count = min(int(request.POST.get("count", "0")), MAX_IMPORT_ROWS)
            for i in range(count):
                kind = request.POST.get(f"kind_{i}", "skip")
                if kind not in (*DayKind.values, "skip"):
                    raise ValueError(kind)
                rows.append((date.fromisoformat(request.POST.get(f"date_{i}", "")), kind,
                             request.POST.get(f"name_{i}", "")[:120]))  # fmt: skip
        except ValueError:
            messages.error(request, _("The import form was altered or incomplete; upload the file again."))
            return redirect("sla:calendar_import", pk=pk)
        try:
            written = services.calendar_days_import(actor=request.user, calendar=calendar, days=rows)
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect("sla:calendar_import", pk=pk)
        messages.success(request, _("%(count)d days were imported.") % {"count": written})
        return redirect("sla:calendar_edit", pk=pk)
    form = IcalUploadForm(request.POST, request.FILES) if request.method == "POST" else IcalUploadForm()
    preview = None
    if request.method == "POST" and form.is_valid():
        try:
            preview = services.ical_parse(form.cleaned_data["file"].read())
        except DomainError as exc:
            show_domain_error(form, exc)
    existing = set(calendar.days.values_list("date", flat=True)) if preview else set()
    return render_page(
        request, "sla/calendars/import.html", section="sla_calendars", calendar=calendar, form=form,
        preview=preview, existing=existing, kinds=DayKind.choices, status=form_status(request, form),
    )  # fmt: skip


# Policies ----------------------------------------------------------------------------------------------


@admin_required
def policy_list(request: AdminRequest) -> HttpResponse:
    return render_page(
        request, "sla/policies/list.html", section="sla_policies", policies=selectors.policy_list()
    )


def _policy_page(request: AdminRequest, form: PolicyForm, policy: SlaPolicy | None, *,
                 step_form: StepForm | None = None, status: int = 200) -> HttpResponse:  # fmt: skip
    steps = (
        list(policy.steps.select_related("priority", "team", "raise_to").order_by("target", "percent", "minutes_from_due", "pk"))
        if policy else []
    )  # fmt: skip
    return render_page(request, "sla/policies/form.html", section="sla_policies", form=form, policy=policy,
                       steps=steps, step_form=step_form or StepForm(), status=status)  # fmt: skip


def _policy_values(form: PolicyForm) -> dict:
    data = form.cleaned_data
    return {
        "name": data["name"], "name_en": data["name_en"], "order": data["order"], "is_active": data["is_active"],
        "calendar": data["calendar"], "pause_statuses": data["pause_statuses"], "stage_minutes": data["stage_minutes"],
        "conditions": form.conditions(), "targets": form.targets(), "stage_targets": form.stage_targets(),
    }  # fmt: skip


@admin_required
def policy_create(request: AdminRequest) -> HttpResponse:
    form = (
        PolicyForm(request.POST)
        if request.method == "POST"
        else PolicyForm(
            initial={
                "pause_statuses": ["pending_requester", "pending_third_party"],
                "is_active": True,
                "order": 100,
            }
        )
    )
    if request.method == "POST" and form.is_valid():
        try:
            policy = services.policy_create(actor=request.user, **_policy_values(form))
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Policy %(name)s was created; now add its escalation steps.") % {"name": policy.label},
            )
            return redirect("sla:policy_edit", pk=policy.pk)
    return _policy_page(request, form, None, status=form_status(request, form))


@admin_required
def policy_edit(request: AdminRequest, pk: int) -> HttpResponse:
    policy = get_object_or_404(SlaPolicy, pk=pk)
    if request.method == "POST":
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                services.policy_update(actor=request.user, policy=policy, **_policy_values(form))
            except DomainError as exc:
                policy.refresh_from_db()
                show_domain_error(form, exc)
            else:
                messages.success(request, _("Changes to %(name)s were saved.") % {"name": policy.label})
                return redirect("sla:policy_edit", pk=policy.pk)
    else:
        form = PolicyForm(initial=PolicyForm.initial_for(policy))
    return _policy_page(request, form, policy, status=form_status(request, form))


POLICIES = SettingsScreen(
    model=SlaPolicy, section="sla_policies", list_url="sla:policy_list", edit_url="sla:policy_edit",
    delete=services.policy_delete, instance_key="policy", name_of=lambda policy: policy.label,
    deleted=gettext_lazy("Policy %(name)s was deleted."),
)  # fmt: skip
policy_delete = POLICIES.delete_view


@admin_required
@require_POST
def step_add(request: AdminRequest, pk: int) -> HttpResponse:
    policy = get_object_or_404(SlaPolicy, pk=pk)
    step_form = StepForm(request.POST)
    if step_form.is_valid():
        try:
            services.step_create(actor=request.user, policy=policy, **step_form.service_values())
        except DomainError as exc:
            show_domain_error(step_form, exc, aliases={"percent": "value", "minutes_from_due": "value"})
        else:
            messages.success(request, _("The escalation step was added."))
            return redirect("sla:policy_edit", pk=pk)
    form = PolicyForm(initial=PolicyForm.initial_for(policy))
    return _policy_page(request, form, policy, step_form=step_form, status=422)


@admin_required
@require_POST
def step_delete(request: AdminRequest, pk: int) -> HttpResponse:
    step = get_object_or_404(EscalationStep, pk=pk)
    services.step_delete(actor=request.user, step=step)
    messages.success(request, _("The escalation step was removed."))
    return redirect("sla:policy_edit", pk=step.policy_id)
