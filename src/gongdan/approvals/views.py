"""Approval screens: My approvals (staff, and requesters who approve), one approval's decision page, the
mailed link's confirmation page, starting an approval from a ticket, delegations, and the flow settings
(admins) with their stage editor, export and import."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongdan.accounts.models import User
from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.screens import SettingsScreen
from gongdan.admin_console.views.page import render_page
from gongdan.approvals import links, selectors, services
from gongdan.approvals.forms import DecisionForm, DelegationForm, FlowForm, ImportForm, StageForm
from gongdan.approvals.models import ApprovalFlow, ApprovalStage, Decision, Delegation, TaskStatus
from gongdan.core.domain_errors import DomainError, NotFound
from gongdan.core.ids import parse_id
from gongdan.tickets.selectors import ticket_get
from gongdan.web.forms import show_domain_error
from gongdan.web.http import SignedInRequest

# --- deciding ---------------------------------------------------------------------------------------------


@login_required
@require_GET
def mine(request: SignedInRequest) -> HttpResponse:
    actor = request.user
    return render(request, "approvals/mine.html", {
        "tasks": selectors.my_pending_tasks(actor=actor),
        "decided": selectors.my_decided_tasks(actor=actor, limit=10),
        "delegations": selectors.my_delegations(actor=actor),
        "delegated_to_me": selectors.delegated_to_me(actor=actor),
        "delegation_form": DelegationForm(),
    })  # fmt: skip


def _task_or_404(request: SignedInRequest, pk: int) -> Any:
    try:
        return selectors.task_for_decision(actor=request.user, task_id=pk)
    except NotFound:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def task_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    """The request's summary and the three buttons; POST decides (and comes back to My approvals)."""
    task = _task_or_404(request, pk)
    form = DecisionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.approval_decide(actor=request.user, task_id=task.pk, via="web", **form.cleaned_data)
            except DomainError as exc:
                show_domain_error(form, exc)
            else:
                messages.success(request, _("Your decision on %(number)s was recorded.")
                                 % {"number": task.step.request.ticket.number})  # fmt: skip
                return redirect("approvals:mine")
        status = 422
    return render(request, "approvals/task.html", _task_context(task, form), status=status)


def _task_context(task: Any, form: DecisionForm) -> dict[str, Any]:
    ticket = task.step.request.ticket
    return {
        "task": task, "ticket": ticket, "form": form, "decisions": Decision,
        "open": task.status == TaskStatus.PENDING and task.step.request.status == "pending",
        "status_views": selectors.approval_status(ticket=ticket),
        "values": selectors.request_values(ticket),
    }  # fmt: skip


def _refuse(request: HttpRequest, text: str, status: int) -> HttpResponse:
    return render(request, "approvals/link_refused.html", {"text": text}, status=status)


@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    """From the approval email: GET shows the request and asks to confirm (a mail scanner that follows the
    link decides nothing); POST decides as the person the link was mailed to. Expired, tampered and used
    links are refused."""
    try:
        claim = links.read_link(token)
    except links.LinkExpired:
        return _refuse(
            request, _("This approval link has expired. Sign in and decide under My approvals."), 410
        )
    except links.LinkInvalid:
        return _refuse(request, _("This approval link is not valid."), 400)
    person = User.objects.filter(pk=claim.user_id, is_active=True).first()
    try:
        task = selectors.task_for_decision(actor=person, task_id=claim.task_id) if person else None
    except NotFound:
        task = None
    if person is None or task is None:
        return _refuse(request, _("This approval link is not valid."), 404)
    if (
        task.status != TaskStatus.PENDING
        or task.round != claim.round
        or task.step.request.status != "pending"
    ):
        return _refuse(request, _("This approval link has been used or the approval has moved on."), 409)
    form = DecisionForm(request.POST or None, initial={"decision": claim.decision})
    status = 200
    if request.method == "POST":
        if form.is_valid() and form.cleaned_data["decision"] == claim.decision:
            try:
                services.approval_decide(actor=person, task_id=task.pk, decision=claim.decision,
                                         comment=form.cleaned_data["comment"], via="email")  # fmt: skip
            except DomainError as exc:
                show_domain_error(form, exc)
            else:
                return render(
                    request, "approvals/link_done.html", {"task": task, "decision": Decision(claim.decision)}
                )
        elif form.is_valid():
            form.add_error(None, _("This link is for another decision."))
        status = 422
    return render(request, "approvals/link_confirm.html", {
        "task": task, "ticket": task.step.request.ticket, "person": person, "form": form,
        "decision": Decision(claim.decision), "values": selectors.request_values(task.step.request.ticket),
    }, status=status)  # fmt: skip


@login_required
@require_POST
def start(request: SignedInRequest, number: str) -> HttpResponse:
    """The ticket page's "Ask for approval" button (agents)."""
    try:
        ticket = ticket_get(actor=request.user, number=number)
        services.approval_start(actor=request.user, ticket=ticket)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Approval was asked for; the ticket waits for it."))
    return redirect("tickets:ticket_detail", number)


@login_required
@require_POST
def delegation_add(request: SignedInRequest) -> HttpResponse:
    form = DelegationForm(request.POST)
    if form.is_valid():
        try:
            services.delegation_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("Your delegate will decide your approvals in that period."))
            return redirect("approvals:mine")
    actor = request.user
    return render(request, "approvals/mine.html", {
        "tasks": selectors.my_pending_tasks(actor=actor), "decided": selectors.my_decided_tasks(actor=actor, limit=10),
        "delegations": selectors.my_delegations(actor=actor), "delegated_to_me": selectors.delegated_to_me(actor=actor),
        "delegation_form": form,
    }, status=422)  # fmt: skip


@login_required
@require_POST
def delegation_end(request: SignedInRequest, pk: int) -> HttpResponse:
    delegation = get_object_or_404(Delegation, pk=pk)
    try:
        services.delegation_end(actor=request.user, delegation=delegation)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("The delegation was ended."))
    return redirect("approvals:mine")


# --- settings: flows and their stages ---------------------------------------------------------------------


def _flow_extras(
    request: AdminRequest, flow: ApprovalFlow | None, *, stage_form: StageForm | None = None
) -> dict[str, Any]:
    return {"flow": flow, "stages": selectors.flow_stages(flow) if flow else [],
            "stage_form": stage_form or StageForm()}  # fmt: skip


FLOWS = SettingsScreen(
    model=ApprovalFlow, section="approval_flows", form_class=FlowForm, list_url="approvals:flow_list",
    edit_url="approvals:flow_edit", list_template="approvals/settings/list.html", list_name="flows",
    rows=selectors.flow_list, form_template="approvals/settings/form.html",
    create=services.flow_create, update=services.flow_update, delete=services.flow_delete, instance_key="flow",
    form_context=_flow_extras, name_of=lambda flow: flow.label,
    new_title=gettext_lazy("New approval flow"), edit_title=gettext_lazy("Approval flow: %(name)s"),
    created=gettext_lazy("Flow %(name)s was created; now add its stages."),
    saved=gettext_lazy("Changes to %(name)s were saved."), deleted=gettext_lazy("Flow %(name)s was deleted."),
    after_save=lambda flow: ("approvals:flow_edit", flow.pk), audited_by_service=True,
)  # fmt: skip
flow_list, flow_create, flow_edit, flow_delete = (
    FLOWS.list_view,
    FLOWS.create_view,
    FLOWS.edit_view,
    FLOWS.delete_view,
)


@admin_required
@require_POST
def stage_add(request: AdminRequest, pk: int) -> HttpResponse:
    flow = get_object_or_404(ApprovalFlow, pk=pk)
    stage_form = StageForm(request.POST)
    if stage_form.is_valid():
        try:
            services.stage_create(actor=request.user, flow=flow, **stage_form.cleaned_data)
        except DomainError as exc:
            show_domain_error(stage_form, exc)
        else:
            messages.success(request, _("The stage was added."))
            return redirect("approvals:flow_edit", pk=flow.pk)
    form = FlowForm(initial=_flow_initial(flow))
    return render_page(request, "approvals/settings/form.html", section="approval_flows", form=form, subject=flow,
                       title=flow.label, cancel_url="approvals:flow_list", status=422,
                       **_flow_extras(request, flow, stage_form=stage_form))  # fmt: skip


def _flow_initial(flow: ApprovalFlow) -> dict[str, Any]:
    return {f: getattr(flow, f) for f in ("name", "name_en", "code", "ticket_type", "category", "calendar",
                                          "start_on_create", "is_active", "order", "description")}  # fmt: skip


@admin_required
@require_POST
def stage_delete(request: AdminRequest, pk: int) -> HttpResponse:
    stage = get_object_or_404(ApprovalStage, pk=pk)
    services.stage_delete(actor=request.user, stage=stage)
    messages.success(request, _("The stage was removed."))
    return redirect("approvals:flow_edit", pk=stage.flow_id)


@admin_required
@require_POST
def stage_move(request: AdminRequest, pk: int) -> HttpResponse:
    stage = get_object_or_404(ApprovalStage, pk=pk)
    services.stage_move(actor=request.user, stage=stage, up=request.POST.get("direction") == "up")
    return redirect("approvals:flow_edit", pk=stage.flow_id)


@admin_required
@require_GET
def flow_versions(request: AdminRequest, pk: int) -> HttpResponse:
    """Every saved change of the flow, newest first, each with what differs from the flow now."""
    flow = get_object_or_404(ApprovalFlow, pk=pk)
    return render_page(request, "approvals/settings/versions.html", section="approval_flows", flow=flow,
                       versions=selectors.flow_versions(flow))  # fmt: skip


@admin_required
@require_POST
def flow_revert(request: AdminRequest, pk: int) -> HttpResponse:
    flow = get_object_or_404(ApprovalFlow, pk=pk)
    number = request.POST.get("version", "")
    try:
        services.flow_revert(actor=request.user, flow=flow, number=parse_id(number) or 0)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Flow %(name)s is back to version %(number)s; that is a new version.")
                         % {"name": flow.label, "number": number})  # fmt: skip
    return redirect("approvals:flow_versions", flow.pk)


@admin_required
@require_GET
def flow_export(request: AdminRequest, pk: int) -> HttpResponse:
    flow = get_object_or_404(ApprovalFlow, pk=pk)
    response = JsonResponse(
        services.flow_export(flow), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="approval-flow-{flow.code}.json"'
    return response


@admin_required
@require_http_methods(["GET", "POST"])
def flow_import(request: AdminRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                data = json.loads(form.cleaned_data["file"].read().decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                form.add_error("file", _("The file is not JSON."))
            else:
                try:
                    flow = services.flow_import(actor=request.user, data=data)
                except DomainError as exc:
                    show_domain_error(form, exc, aliases=dict.fromkeys(("stages", "ticket_type", "category", "calendar", "code", "name"), "file"))  # fmt: skip
                else:
                    messages.success(request, _("Flow %(name)s was imported.") % {"name": flow.label})
                    return redirect("approvals:flow_edit", pk=flow.pk)
        status = 422
    return render_page(request, "approvals/settings/import.html", section="approval_flows", form=form,
                       status=status, now=timezone.now())  # fmt: skip
