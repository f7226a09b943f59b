"""The ticket page's "set the asset down" action, the preventive maintenance list and checklist answers, and
the plan and checklist settings screens."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from gongdan.admin_console.screens import SettingsScreen
from gongdan.core.domain_errors import DomainError, NotFound
from gongdan.core.ids import parse_id
from gongdan.maintenance import selectors
from gongdan.maintenance.forms import ChecklistForm, PmPlanForm
from gongdan.maintenance.models import ChecklistStep, ChecklistTemplate, PmPlan, PmWorkOrder
from gongdan.maintenance.services import asset_down_from_ticket
from gongdan.maintenance.services import pm as pm_services
from gongdan.tickets.models import Attachment
from gongdan.tickets.selectors import ticket_get
from gongdan.web.http import SignedInRequest, wants_fragment


@login_required
@require_POST
def ticket_asset_down(request: SignedInRequest, number: str) -> HttpResponse:
    try:
        ticket = ticket_get(actor=request.user, number=number)
    except NotFound as exc:
        raise Http404 from exc
    try:
        asset_down_from_ticket(
            actor=request.user, ticket=ticket, expected_version=parse_id(request.POST.get("version"))
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        response = redirect("tickets:ticket_detail", ticket.number)
        response.status_code = 303
        return response
    messages.success(request, _("The asset is down; resolving this ticket sets it running again."))
    return redirect("tickets:ticket_detail", ticket.number)


# --- preventive maintenance ----------------------------------------------------------------------------------


@login_required
@require_GET
def pm_list(request: SignedInRequest) -> HttpResponse:
    filters = selectors.PmFilters.parse(request.GET.dict())
    page = selectors.pm_work_order_list(
        actor=request.user, filters=filters, after=request.GET.get("after", "")[:40]
    )
    if page is None:
        raise HttpForbidden
    params = urlencode([(k, str(v)) for k, v in request.GET.items() if k != "after" and v])
    context: dict[str, Any] = {"page": page, "filters": filters, "states": _states(), "params": params,
                               "may_configure": request.user.is_admin}  # fmt: skip
    template = "maintenance/pm_list.html#results" if wants_fragment(request) else "maintenance/pm_list.html"
    response = render(request, template, context, status=400 if filters.errors else 200)
    response["Vary"] = "HX-Request"
    return response


def _states() -> list[tuple[str, str]]:
    return [("due", _("Due in 14 days")), ("overdue", _("Overdue")), ("done_late", _("Done late")),
            ("done", _("Done")), ("all", _("All"))]  # fmt: skip


@login_required
@require_POST
def pm_checklist_answer(request: SignedInRequest, number: str, step_id: int) -> HttpResponse:
    """Answer one checklist step of a preventive maintenance ticket (from the ticket page or the phone)."""
    try:
        ticket = ticket_get(actor=request.user, number=number)
    except NotFound as exc:
        raise Http404 from exc
    work_order = PmWorkOrder.objects.select_related("plan", "ticket").filter(ticket=ticket).first()
    step = ChecklistStep.objects.filter(pk=step_id).first()
    if work_order is None or step is None:
        raise Http404
    back = request.POST.get("next", "")
    target = back if back.startswith("/m/") else None
    passed_raw = request.POST.get("passed", "")
    passed = {"pass": True, "fail": False}.get(passed_raw)
    attachment = None
    if attachment_id := parse_id(request.POST.get("attachment")):
        attachment = Attachment.objects.filter(pk=attachment_id, ticket=ticket).first()
    try:
        pm_services.checklist_answer(actor=request.user, work_order=work_order, step=step, passed=passed,
                                     number=request.POST.get("number", "")[:40],
                                     note=request.POST.get("note", "")[:4000], attachment=attachment)  # fmt: skip
    except DomainError as exc:
        messages.error(request, f"{step.label}: {exc.message}")
        response = redirect(target) if target else redirect("tickets:ticket_detail", ticket.number)
        response.status_code = 303
        return response
    messages.success(request, _("Answer saved: %(step)s.") % {"step": step.label})
    return redirect(target) if target else redirect("tickets:ticket_detail", ticket.number)


# --- settings: plans and checklists --------------------------------------------------------------------------

PM_PLANS = SettingsScreen(
    model=PmPlan, section="pm_plans", form_class=PmPlanForm, list_url="maintenance:pm_plan_list",
    list_template="maintenance/plans/list.html", list_name="plans",
    rows=lambda: PmPlan.objects.select_related("asset", "asset_type", "checklist", "team").order_by("name", "pk"),
    create=pm_services.pm_plan_create, update=pm_services.pm_plan_update, instance_key="plan",
    new_title=gettext_lazy("New maintenance plan"), edit_title=gettext_lazy("Maintenance plan: %(name)s"),
    saved=gettext_lazy("Maintenance plan %(name)s was saved; its work orders are scheduled."),
)  # fmt: skip
pm_plan_list, pm_plan_create, pm_plan_edit = PM_PLANS.list_view, PM_PLANS.create_view, PM_PLANS.edit_view

CHECKLISTS = SettingsScreen(
    model=ChecklistTemplate, section="pm_checklists", form_class=ChecklistForm,
    list_url="maintenance:checklist_list", list_template="maintenance/checklists/list.html",
    list_name="checklists", rows=lambda: ChecklistTemplate.objects.prefetch_related("steps").order_by("name"),
    create=pm_services.checklist_create,
    new_title=gettext_lazy("New checklist"), saved=gettext_lazy("Checklist %(name)s was saved."),
)  # fmt: skip
checklist_list, checklist_create = CHECKLISTS.list_view, CHECKLISTS.create_view
