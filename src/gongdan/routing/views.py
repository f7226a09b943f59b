"""Routing screens: rules, dry run, agents and schedules, settings (admins, under /settings/routing/) and
the agent's own availability switch (/routing/presence/)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from gongdan.accounts.models import User
from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.screens import SettingsScreen
from gongdan.admin_console.views.page import form_status, render_page
from gongdan.audit.services import audited_configuration_delete, audited_configuration_save
from gongdan.core.domain_errors import DomainError, ValidationFailed
from gongdan.routing import selectors, services
from gongdan.routing.conditions import KINDS
from gongdan.routing.engine import EXCLUSIONS
from gongdan.routing.explain import describe_routing_reason
from gongdan.routing.forms import (
    AgentForm,
    ConditionRow,
    DryRunForm,
    PresenceForm,
    RuleForm,
    ScheduleForm,
    SettingsForm,
    SkillRequirementForm,
    conditions_for_service,
    new_token,
    place_condition_errors,
    rows_from_conditions,
    rows_from_post,
)
from gongdan.routing.models import AgentPresence, PresenceStatus, RoutingRule, SkillRequirement, WorkSchedule
from gongdan.tickets.models import Ticket
from gongdan.tickets.services import default_priority, default_ticket_type
from gongdan.web.forms import show_domain_error

AGENTS_PER_PAGE = 25


# ---- rules ---------------------------------------------------------------------------------------------


@admin_required
def rule_list(request: AdminRequest) -> HttpResponse:
    return render_page(
        request, "routing/rules/list.html", section="routing_rules", rules=selectors.rule_list()
    )


def _rule_page(request: AdminRequest, form: RuleForm, rows: list[ConditionRow], *, rule: RoutingRule | None,
               status: int = 200) -> HttpResponse:  # fmt: skip
    return render_page(
        request,
        "routing/rules/form.html",
        section="routing_rules",
        form=form,
        rows=rows,
        rule=rule,
        kinds=[(k, str(v)) for k, v in KINDS.items()],
        status=status,
    )


def _unchecked(request: AdminRequest) -> RuleForm:
    """The form as typed so far, without error messages (the admin is still building the rule)."""
    return RuleForm(initial={name: request.POST.get(name) for name in RuleForm.base_fields})


def _rule_form(request: AdminRequest, rule: RoutingRule | None) -> HttpResponse:
    if request.method != "POST":
        initial: dict[str, Any] = {"is_active": True}
        if rule is not None:
            initial = {"name": rule.name, "team": rule.team_id, "strategy": rule.strategy,
                       "max_open_per_agent": rule.max_open_per_agent, "is_active": rule.is_active}  # fmt: skip
        rows = rows_from_conditions(rule.conditions) if rule else []
        return _rule_page(request, RuleForm(initial=initial), rows, rule=rule)
    form = RuleForm(request.POST)
    rows = rows_from_post(request.POST)
    if request.POST.get("add"):  # the "add condition" button without JavaScript
        kind = request.POST.get("new_kind", "")
        if kind in KINDS:
            rows.append(ConditionRow(new_token(), kind, {"kind": kind}))
        return _rule_page(request, _unchecked(request), rows, rule=rule)
    if remove := request.POST.get("remove"):
        rows = [r for r in rows if r.token != remove]
        return _rule_page(request, _unchecked(request), rows, rule=rule)
    if form.is_valid():
        data = form.cleaned_data
        values = {"name": data["name"], "team": data["team"], "strategy": data["strategy"],
                  "max_open_per_agent": data["max_open_per_agent"], "is_active": data["is_active"],
                  "conditions": conditions_for_service(rows)}  # fmt: skip
        try:
            if rule is None:
                rule = audited_configuration_save(actor=request.user, row=None,
                                                  save=lambda: services.rule_create(actor=request.user, **values))  # fmt: skip
                messages.success(request, _("Rule “%(name)s” was created.") % {"name": rule.name})
            else:
                edited = rule
                audited_configuration_save(actor=request.user, row=edited, save=lambda: services.rule_update(
                    actor=request.user, rule=edited, **values))  # fmt: skip
                messages.success(request, _("Rule “%(name)s” was saved.") % {"name": rule.name})
        except ValidationFailed as exc:
            rest = place_condition_errors(rows, exc.details)
            if rest or not any(r.errors for r in rows):
                show_domain_error(form, ValidationFailed(exc.message, details=rest))
            else:
                form.add_error(None, _("Some conditions are not valid."))
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            return redirect("routing:rule_list")
    return _rule_page(request, form, rows, rule=rule, status=422)


@admin_required
def rule_create(request: AdminRequest) -> HttpResponse:
    return _rule_form(request, None)


@admin_required
def rule_edit(request: AdminRequest, pk: int) -> HttpResponse:
    return _rule_form(request, get_object_or_404(RoutingRule, pk=pk))


@admin_required
@require_GET
def condition_row(request: AdminRequest) -> HttpResponse:
    """htmx: a fresh condition row of the chosen kind, appended to the builder."""
    kind = request.GET.get("new_kind", "")
    if kind not in KINDS:
        return HttpResponse(status=400)
    row = ConditionRow(new_token(), kind, {"kind": kind})
    return render(request, "routing/rules/_condition_row.html", {"row": row})


@admin_required
@require_GET
def condition_removed(request: AdminRequest) -> HttpResponse:
    """htmx: the row's replacement when it is removed (nothing)."""
    return HttpResponse("")


@admin_required
@require_POST
def rule_move(request: AdminRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(RoutingRule, pk=pk)
    try:
        services.rule_move(actor=request.user, rule=rule, direction=request.POST.get("direction", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    if request.htmx:
        return render_page(request, "routing/rules/list.html#rules", section="routing_rules",
                           rules=selectors.rule_list())  # fmt: skip
    return redirect("routing:rule_list")


@admin_required
@require_POST
def rule_toggle(request: AdminRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(RoutingRule, pk=pk)
    audited_configuration_save(actor=request.user, row=rule, save=lambda: services.rule_set_active(
        actor=request.user, rule=rule, is_active=not rule.is_active))  # fmt: skip
    messages.success(
        request,
        (_("Rule “%(name)s” is active.") if rule.is_active else _("Rule “%(name)s” is inactive."))
        % {"name": rule.name},
    )
    return redirect("routing:rule_list")


RULES = SettingsScreen(
    model=RoutingRule, section="routing_rules", list_url="routing:rule_list", edit_url="routing:rule_edit",
    delete=services.rule_delete, instance_key="rule", name_of=lambda rule: rule.name,
    delete_question=gettext_lazy("Delete this rule?"), deleted=gettext_lazy("Rule “%(name)s” was deleted."),
)  # fmt: skip
rule_delete = RULES.delete_view  # create and edit build the conditions row by row: their own views above


# ---- dry run -------------------------------------------------------------------------------------------


@admin_required
def dry_run(request: AdminRequest) -> HttpResponse:
    form = DryRunForm(request.POST) if request.method == "POST" else DryRunForm()
    decision = None
    explanation = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        category = data["category"]
        try:
            ticket = Ticket(
                subject=data["subject"],
                description=data["description"],
                category=category,
                ticket_type=data["ticket_type"]
                or (category and category.default_type)
                or default_ticket_type(),
                priority=data["priority"] or (category and category.default_priority) or default_priority(),
                organisation=data["organisation"],
                channel=data["channel"],
                location=data["location"],
                custom_values=data["custom_values"],
            )
            decision = services.dry_run(actor=request.user, ticket=ticket, now=data["at"] or timezone.now())
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            explanation = describe_routing_reason(decision.reason())
    return render_page(
        request,
        "routing/dry_run.html",
        section="routing_dry_run",
        form=form,
        decision=decision,
        explanation=explanation,
        exclusions=EXCLUSIONS,
        status=form_status(request, form),
    )


# ---- agents and schedules ---------------------------------------------------------------------------------


@admin_required
def agent_list(request: AdminRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    now = timezone.now()
    page = Paginator(selectors.agent_overview(now=now, q=q), AGENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    selectors.annotate_shift(list(page.object_list), now=now)
    visible = selectors.positions_visible_to(actor=request.user, user_ids=[u.pk for u in page.object_list])
    return render_page(request, "routing/agents/list.html", section="routing_agents", page=page, q=q,
                       schedules=selectors.schedules_with_periods(), visible_positions=visible)  # fmt: skip


@admin_required
def agent_edit(request: AdminRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(selectors.agent_overview(now=timezone.now()), pk=pk)
    presence = AgentPresence.objects.filter(user=user).first()
    if request.method == "POST":
        form = AgentForm(request.POST)
        if form.is_valid():
            try:

                def save() -> AgentPresence:  # both or neither, recorded as one change
                    services.presence_set_schedule(
                        actor=request.user, user=user, schedule=form.cleaned_data["schedule"]
                    )
                    services.presence_set(actor=request.user, user=user, status=form.cleaned_data["status"])
                    return AgentPresence.objects.get(user=user)

                audited_configuration_save(actor=request.user, row=presence, save=save)
            except DomainError as exc:
                show_domain_error(form, exc)
            else:
                messages.success(request, _("Availability of %(name)s was saved.") % {"name": user.name})
                return redirect("routing:agent_list")
    else:
        form = AgentForm(initial={"status": presence.status if presence else PresenceStatus.AVAILABLE,
                                  "schedule": presence.schedule_id if presence else None})  # fmt: skip
    return render_page(request, "routing/agents/form.html", section="routing_agents", form=form, subject=user,
                       presence=presence, status=form_status(request, form))  # fmt: skip


def _schedule_values(form: ScheduleForm) -> dict[str, Any]:
    """The service takes parsed periods; a day that does not parse is refused next to its field."""
    periods: dict[int, list[Any]] = {}
    errors: dict[str, list[str]] = {}
    for day in range(7):
        try:
            periods[day] = services.parse_periods(form.cleaned_data.get(f"day_{day}", ""))
        except ValueError as exc:
            errors[f"day_{day}"] = [_("“%(text)s” is not a period like 09:00-18:00.") % {"text": exc}]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), details=errors)
    return {"name": form.cleaned_data["name"], "time_zone": form.cleaned_data["time_zone"].strip(),
            "periods": periods}  # fmt: skip


def _schedule_initial(schedule: WorkSchedule) -> dict[str, Any]:
    days: dict[str, list[str]] = {}
    for p in schedule.periods.all():
        days.setdefault(f"day_{p.weekday}", []).append(f"{p.start:%H:%M}-{p.end:%H:%M}")
    return {
        "name": schedule.name,
        "time_zone": schedule.time_zone,
        **{k: ", ".join(v) for k, v in days.items()},
    }


def _schedule_create(*, actor: User, **values: Any) -> WorkSchedule:
    return services.schedule_save(actor=actor, schedule=None, **values)


SCHEDULES = SettingsScreen(
    model=WorkSchedule, section="routing_agents", form_class=ScheduleForm, list_url="routing:schedule_list",
    edit_url="routing:schedule_edit", list_template="routing/schedules/list.html", list_name="schedules",
    rows=selectors.schedules_with_periods, form_template="routing/schedules/form.html",
    create=_schedule_create, update=services.schedule_save, delete=services.schedule_delete,
    instance_key="schedule", values=_schedule_values, initial=_schedule_initial,
    initial_new=lambda request: {"time_zone": "Asia/Shanghai", **{f"day_{d}": "09:00-18:00" for d in range(5)}},
    name_of=lambda schedule: schedule.name, saved=gettext_lazy("Schedule “%(name)s” was saved."),
    delete_warning=gettext_lazy("Its agents become always on shift."),
    deleted=gettext_lazy("Schedule “%(name)s” was deleted."),
)  # fmt: skip
schedule_list, schedule_create, schedule_edit = (
    SCHEDULES.list_view,
    SCHEDULES.create_view,
    SCHEDULES.edit_view,
)
schedule_delete = SCHEDULES.delete_view


# ---- settings and skill requirements ---------------------------------------------------------------------


@admin_required
def routing_settings(request: AdminRequest) -> HttpResponse:
    current = services.routing_settings()
    settings_form = SettingsForm(initial={"rebalance_mode": current.rebalance_mode})
    skill_form = SkillRequirementForm()
    status = 200
    if request.method == "POST" and request.POST.get("form") == "settings":
        settings_form = SettingsForm(request.POST)
        if settings_form.is_valid():
            mode = settings_form.cleaned_data["rebalance_mode"]
            audited_configuration_save(actor=request.user, row=current, save=lambda: services.routing_settings_update(
                actor=request.user, rebalance_mode=mode))  # fmt: skip
            messages.success(request, _("Routing settings were saved."))
            return redirect("routing:settings")
        status = 422
    elif request.method == "POST" and request.POST.get("form") == "skill":
        skill_form = SkillRequirementForm(request.POST)
        if skill_form.is_valid():
            try:
                audited_configuration_save(actor=request.user, row=None, save=lambda: services.skill_requirement_create(
                    actor=request.user, **skill_form.cleaned_data))  # fmt: skip
            except DomainError as exc:
                show_domain_error(skill_form, exc)
            else:
                messages.success(request, _("The skill requirement was added."))
                return redirect("routing:settings")
        status = 422
    requirements = SkillRequirement.objects.select_related("skill", "category").order_by("id")
    return render_page(request, "routing/settings.html", section="routing_settings", settings_form=settings_form,
                       skill_form=skill_form, requirements=requirements, status=status)  # fmt: skip


@admin_required
@require_POST
def skill_requirement_delete(request: AdminRequest, pk: int) -> HttpResponse:
    requirement = get_object_or_404(SkillRequirement, pk=pk)
    audited_configuration_delete(actor=request.user, row=requirement, delete=lambda: services.skill_requirement_delete(
        actor=request.user, requirement=requirement))  # fmt: skip
    messages.success(request, _("The skill requirement was removed."))
    return redirect("routing:settings")


# ---- the agent's own switch --------------------------------------------------------------------------------


@login_required
def my_presence(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if not user.is_staff_member:
        raise Forbidden
    if request.method == "POST":
        form = PresenceForm(request.POST)
        if form.is_valid():
            try:
                services.presence_set(actor=user, user=user, status=form.cleaned_data["status"])
            except DomainError as exc:
                show_domain_error(form, exc)
            else:
                label = PresenceStatus(form.cleaned_data["status"]).label
                messages.success(request, _("You are now %(status)s.") % {"status": str(label).lower()})
                return redirect("routing:my_presence")
    presence = selectors.presence_of(user)
    if request.method != "POST":
        form = PresenceForm(initial={"status": presence["status"]})
    return render(request, "routing/presence.html", {"form": form, "presence": presence},
                  status=form_status(request, form))  # fmt: skip
