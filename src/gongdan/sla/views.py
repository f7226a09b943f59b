"""SLA settings screens (admins, under /settings/sla/): calendars with their days and iCalendar import,
policies with targets and escalation steps."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.screens import SettingsScreen
from gongdan.admin_console.views.page import form_status, render_page
from gongdan.audit import kinds
from gongdan.audit.services import audit_record, audited_configuration_delete, audited_configuration_save
from gongdan.audit.snapshots import field_values
from gongdan.core.domain_errors import DomainError
from gongdan.sla import business_time, selectors, services
from gongdan.sla.forms import CalendarForm, DayForm, IcalUploadForm, PolicyForm, StepForm
from gongdan.sla.models import BusinessCalendar, CalendarDay, DayKind, EscalationStep, SlaPolicy
from gongdan.web.forms import show_domain_error

MAX_IMPORT_ROWS = 1000

# Calendars ---------------------------------------------------------------------------------------------


def _calendar_extras(calendar: BusinessCalendar | None, *, day_form: DayForm | None = None) -> dict[str, Any]:
    """What the calendar page shows besides its form: the days, the add-a-day form, the upload form."""
    days = list(calendar.days.all()) if calendar else []
    for day in days:
        day.hours_text = business_time.format_hours(day.hours or [])  # type: ignore[attr-defined]
    return {"calendar": calendar, "days": days, "day_form": day_form or DayForm(), "upload_form": IcalUploadForm(),
            "provisional": any(d.is_provisional for d in days)}  # fmt: skip


def _calendar_values(form: CalendarForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {"name": data["name"], "name_en": data["name_en"], "time_zone": data["time_zone"],
            "is_24x7": data["is_24x7"], "weekly_hours": form.weekly(), "description": data["description"]}  # fmt: skip


# A calendar in use is kept on delete, and its page says which policies to change first.
CALENDARS = SettingsScreen(
    model=BusinessCalendar, section="sla_calendars", form_class=CalendarForm, list_url="sla:calendar_list",
    edit_url="sla:calendar_edit", list_template="sla/calendars/list.html", list_name="calendars",
    rows=selectors.calendar_list, form_template="sla/calendars/form.html",
    create=services.calendar_create, update=services.calendar_update, delete=services.calendar_delete,
    instance_key="calendar", values=_calendar_values, initial=CalendarForm.initial_for,
    initial_new=lambda request: {f"day_{d}": "09:00-12:00, 13:00-18:00" for d in range(5)},
    form_context=lambda request, calendar: _calendar_extras(calendar),
    name_of=lambda calendar: calendar.label, created=gettext_lazy("Calendar %(name)s was created."),
    saved=gettext_lazy("Changes to %(name)s were saved."), deleted=gettext_lazy("Calendar %(name)s was deleted."),
    after_save=lambda calendar: ("sla:calendar_edit", calendar.pk),
)  # fmt: skip
calendar_list, calendar_create, calendar_edit = (
    CALENDARS.list_view,
    CALENDARS.create_view,
    CALENDARS.edit_view,
)
calendar_delete = CALENDARS.delete_view


def _calendar_page(request: AdminRequest, calendar: BusinessCalendar, *, day_form: DayForm) -> HttpResponse:
    """The calendar page again with the add-a-day form's errors (422)."""
    form = CalendarForm(initial=CalendarForm.initial_for(calendar))
    return render_page(request, "sla/calendars/form.html", section="sla_calendars", form=form, subject=calendar,
                       status=422, **_calendar_extras(calendar, day_form=day_form))  # fmt: skip


@admin_required
@require_POST
def day_add(request: AdminRequest, pk: int) -> HttpResponse:
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    day_form = DayForm(request.POST)
    if day_form.is_valid():
        data = day_form.cleaned_data
        try:
            existing = CalendarDay.objects.filter(calendar=calendar, date=data["date"]).first()
            audited_configuration_save(
                actor=request.user, row=existing,
                save=lambda: services.calendar_day_set(
                    actor=request.user, calendar=calendar, day=data["date"], kind=data["kind"],
                    name=data["name"], hours=data["hours"],
                ),
            )  # fmt: skip
        except DomainError as exc:
            show_domain_error(day_form, exc)
        else:
            messages.success(request, _("%(date)s was saved.") % {"date": data["date"].isoformat()})
            return redirect("sla:calendar_edit", pk=pk)
    return _calendar_page(request, calendar, day_form=day_form)


@admin_required
@require_POST
def day_delete(request: AdminRequest, pk: int) -> HttpResponse:
    day = get_object_or_404(CalendarDay, pk=pk)
    audited_configuration_delete(
        actor=request.user, row=day, delete=lambda: services.calendar_day_delete(actor=request.user, day=day)
    )
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
            with transaction.atomic():
                before = field_values(calendar)
                written = services.calendar_days_import(actor=request.user, calendar=calendar, days=rows)
                audit_record(
                    kind=kinds.CONFIG_UPDATE, actor=request.user, object_type="sla.businesscalendar",
                    object_id=calendar.pk, object_repr=str(calendar),
                    detail={"before": before, "after": {"imported_days": [
                        {"date": day.isoformat(), "kind": kind, "name": name} for day, kind, name in rows
                    ][:400]}},
                )  # fmt: skip
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


def _policy_extras(policy: SlaPolicy | None, *, step_form: StepForm | None = None) -> dict[str, Any]:
    """What the policy page shows besides its form: the escalation steps and the add-a-step form."""
    steps = (
        list(policy.steps.select_related("priority", "team", "raise_to").order_by("target", "percent", "minutes_from_due", "pk"))
        if policy else []
    )  # fmt: skip
    return {"policy": policy, "steps": steps, "step_form": step_form or StepForm()}


def _policy_values(form: PolicyForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "name": data["name"], "name_en": data["name_en"], "order": data["order"], "is_active": data["is_active"],
        "calendar": data["calendar"], "pause_statuses": data["pause_statuses"], "stage_minutes": data["stage_minutes"],
        "conditions": form.conditions(), "targets": form.targets(), "stage_targets": form.stage_targets(),
    }  # fmt: skip


POLICIES = SettingsScreen(
    model=SlaPolicy, section="sla_policies", form_class=PolicyForm, list_url="sla:policy_list",
    edit_url="sla:policy_edit", list_template="sla/policies/list.html", list_name="policies",
    rows=selectors.policy_list, form_template="sla/policies/form.html",
    create=services.policy_create, update=services.policy_update, delete=services.policy_delete,
    instance_key="policy", values=_policy_values, initial=PolicyForm.initial_for,
    initial_new=lambda request: {"pause_statuses": ["pending_requester", "pending_third_party"], "is_active": True,
                                 "order": 100},
    form_context=lambda request, policy: _policy_extras(policy), name_of=lambda policy: policy.label,
    created=gettext_lazy("Policy %(name)s was created; now add its escalation steps."),
    saved=gettext_lazy("Changes to %(name)s were saved."), deleted=gettext_lazy("Policy %(name)s was deleted."),
    after_save=lambda policy: ("sla:policy_edit", policy.pk),
)  # fmt: skip
policy_list, policy_create, policy_edit = POLICIES.list_view, POLICIES.create_view, POLICIES.edit_view
policy_delete = POLICIES.delete_view


@admin_required
@require_POST
def step_add(request: AdminRequest, pk: int) -> HttpResponse:
    policy = get_object_or_404(SlaPolicy, pk=pk)
    step_form = StepForm(request.POST)
    if step_form.is_valid():
        try:
            audited_configuration_save(
                actor=request.user, row=None,
                save=lambda: services.step_create(actor=request.user, policy=policy, **step_form.service_values()),
            )  # fmt: skip
        except DomainError as exc:
            show_domain_error(step_form, exc, aliases={"percent": "value", "minutes_from_due": "value"})
        else:
            messages.success(request, _("The escalation step was added."))
            return redirect("sla:policy_edit", pk=pk)
    form = PolicyForm(initial=PolicyForm.initial_for(policy))
    return render_page(request, "sla/policies/form.html", section="sla_policies", form=form, subject=policy,
                       status=422, **_policy_extras(policy, step_form=step_form))  # fmt: skip


@admin_required
@require_POST
def step_delete(request: AdminRequest, pk: int) -> HttpResponse:
    step = get_object_or_404(EscalationStep, pk=pk)
    audited_configuration_delete(
        actor=request.user, row=step, delete=lambda: services.step_delete(actor=request.user, step=step)
    )
    messages.success(request, _("The escalation step was removed."))
    return redirect("sla:policy_edit", pk=step.policy_id)
