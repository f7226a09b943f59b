"""Automation screens: the rules (list and order, the builder, dry run, run history, versions, export and
import) and the macros (admins, under /settings/automation/), and applying a macro from the ticket page
(staff). Thin: parse, call a service or a selector, render."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from gongdan.accounts.models import User
from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.screens import SettingsScreen
from gongdan.admin_console.views.page import render_page
from gongdan.automation import actions as action_types
from gongdan.automation import conditions, selectors, services, triggers
from gongdan.automation.forms import (
    ImportForm,
    MacroForm,
    Row,
    RuleForm,
    action_rows_from_post,
    builder_context,
    condition_rows_from_post,
    for_service,
    new_token,
    place_errors,
    rows_from,
)
from gongdan.automation.models import ConfigVersion, Macro, Rule
from gongdan.core.domain_errors import DomainError, ValidationFailed
from gongdan.core.ids import parse_id
from gongdan.tickets.models import Status
from gongdan.tickets.selectors import ticket_get
from gongdan.web.forms import show_domain_error

MAX_IMPORT_BYTES = 2 * 1024 * 1024


def _summary(rule: Rule) -> list[str]:
    lines = [conditions.describe(c) for c in rule.conditions or []]
    return lines


@admin_required
def rule_list(request: AdminRequest) -> HttpResponse:
    rules = list(selectors.rule_list())
    labels = dict(triggers.choices())
    for rule in rules:
        rule.summary = _summary(rule)  # type: ignore[attr-defined]
        rule.trigger_label = labels.get(rule.trigger, rule.trigger)  # type: ignore[attr-defined]
        rule.wait_status_label = Status(rule.wait_status).label if rule.wait_status in Status.values else ""  # type: ignore[attr-defined]
        rule.action_labels = [str(action_types.TYPES.get(a.get("type"), "")) for a in rule.actions]  # type: ignore[attr-defined]
    return render_page(request, "automation/rules/list.html", section="automation_rules", rules=rules)


def _rule_page(request: AdminRequest, form: RuleForm, condition_rows: list[Row], action_rows: list[Row], *,
               rule: Rule | None, status: int = 200) -> HttpResponse:  # fmt: skip
    return render_page(request, "automation/rules/form.html", section="automation_rules", form=form, rule=rule,
                       condition_rows=condition_rows, action_rows=action_rows, status=status, **builder_context())  # fmt: skip


def _rule_form(request: AdminRequest, rule: Rule | None) -> HttpResponse:
    if request.method != "POST":
        initial: dict[str, Any] = {"trigger": "created"}
        if rule is not None:
            initial = {"name": rule.name, "trigger": rule.trigger, "description": rule.description,
                       "wait_status": rule.wait_status, "wait_business_days": rule.wait_business_days,
                       "calendar": rule.calendar_id}  # fmt: skip
        cond = rows_from(rule.conditions) if rule else []
        acts = rows_from(rule.actions) if rule else []
        return _rule_page(request, RuleForm(initial=initial), cond, acts, rule=rule)
    form = RuleForm(request.POST)
    cond, acts = condition_rows_from_post(request.POST), action_rows_from_post(request.POST)
    if request.POST.get("add_condition"):  # the buttons without JavaScript
        cond.append(Row(new_token(), {"field": "priority", "op": "eq", "value": ""}))
    elif (
        request.POST.get("add_action") and (kind := request.POST.get("new_action", "")) in action_types.TYPES
    ):
        acts.append(Row(new_token(), {"type": kind}))
    elif remove := request.POST.get("remove"):
        cond = [r for r in cond if r.token != remove]
        acts = [r for r in acts if r.token != remove]
    elif form.is_valid():
        data = form.cleaned_data
        values = {**data, "conditions": for_service(cond), "actions": for_service(acts)}
        try:
            if rule is None:
                rule = services.rule_create(actor=request.user, **values)
                messages.success(request, _("Rule “%(name)s” was created. Try it with a dry run, then switch it on.")
                                 % {"name": rule.name})  # fmt: skip
                return redirect("automation:rule_dry_run", rule.pk)
            services.rule_update(actor=request.user, rule=rule, **values)
            messages.success(request, _("Rule “%(name)s” was saved.") % {"name": rule.name})
            return redirect("automation:rule_list")
        except ValidationFailed as exc:
            rest = place_errors(cond, exc.details, "conditions")
            rest = place_errors(acts, rest, "actions")
            show_domain_error(form, ValidationFailed(exc.message, details=rest))
        except DomainError as exc:
            show_domain_error(form, exc)
        return _rule_page(request, form, cond, acts, rule=rule, status=422)
    unchecked = RuleForm(initial={name: request.POST.get(name) for name in RuleForm.base_fields})
    return _rule_page(
        request, unchecked if form.is_bound and not form.errors else form, cond, acts, rule=rule
    )


@admin_required
def rule_create(request: AdminRequest) -> HttpResponse:
    return _rule_form(request, None)


@admin_required
def rule_edit(request: AdminRequest, pk: int) -> HttpResponse:
    return _rule_form(request, get_object_or_404(Rule, pk=pk))


@admin_required
@require_GET
def condition_row(request: AdminRequest) -> HttpResponse:
    """htmx: a fresh condition row, appended to the builder."""
    row = Row(new_token(), {"field": "priority", "op": "eq", "value": ""})
    return render(request, "automation/rules/_condition_row.html", {"row": row, **builder_context()})


@admin_required
@require_GET
def action_row(request: AdminRequest) -> HttpResponse:
    """htmx: a fresh action row of the chosen type."""
    kind = request.GET.get("new_action", "")
    if kind not in action_types.TYPES:
        return HttpResponseBadRequest()
    row = Row(new_token(), {"type": kind})
    return render(request, "automation/rules/_action_row.html", {"row": row, **builder_context()})


@admin_required
@require_GET
def row_removed(request: AdminRequest) -> HttpResponse:
    return HttpResponse("")


@admin_required
@require_POST
def rule_move(request: AdminRequest, pk: int) -> HttpResponse:
    try:
        services.rule_move(actor=request.user, rule=get_object_or_404(Rule, pk=pk),
                           direction=request.POST.get("direction", ""))  # fmt: skip
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("automation:rule_list")


@admin_required
@require_POST
def rule_toggle(request: AdminRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=pk)
    try:
        rule = services.rule_set_active(actor=request.user, rule=rule, is_active=not rule.is_active)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("automation:rule_dry_run", rule.pk)
    done = _("Rule “%(name)s” is on.") if rule.is_active else _("Rule “%(name)s” is off.")
    messages.success(request, done % {"name": rule.name})
    return redirect("automation:rule_list")


@admin_required
def rule_dry_run(request: AdminRequest, pk: int) -> HttpResponse:
    """GET: what a dry run does; POST: run it against recent tickets and show what would match and change."""
    rule = get_object_or_404(Rule, pk=pk)
    result = None
    if request.method == "POST":
        result = services.rule_dry_run(actor=request.user, rule=rule)
    return render_page(request, "automation/rules/dry_run.html", section="automation_rules", rule=rule,
                       result=result)  # fmt: skip


@admin_required
def rule_history(request: AdminRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=pk)
    before = request.GET.get("before", "")
    runs = selectors.rule_runs(rule=rule, limit=50, before_id=int(before) if before.isdigit() else None)
    return render_page(request, "automation/rules/history.html", section="automation_rules", rule=rule, runs=runs,
                       next_before=runs[-1].pk if len(runs) == 50 else None)  # fmt: skip


def _versions_page(request: AdminRequest, *, kind: str, row: Rule | Macro, section: str,
                   revert_url: str, back_url: str) -> HttpResponse:  # fmt: skip
    rows = selectors.versions(kind=kind, object_id=row.pk)
    for version in rows:
        version.lines = [(name, json.dumps(change[0], ensure_ascii=False), json.dumps(change[1], ensure_ascii=False))  # type: ignore[attr-defined]
                         for name, change in version.diff.items()]  # fmt: skip
    return render_page(request, "automation/versions.html", section=section, row=row, versions=rows,
                       revert_url=revert_url, back_url=back_url)  # fmt: skip


@admin_required
def rule_versions(request: AdminRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=pk)
    return _versions_page(request, kind=ConfigVersion.Kind.RULE, row=rule, section="automation_rules",
                          revert_url="automation:rule_revert", back_url="automation:rule_list")  # fmt: skip


@admin_required
@require_POST
def rule_revert(request: AdminRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=pk)
    version = parse_id(request.POST.get("version", "")) or 0
    try:
        services.rule_revert(actor=request.user, rule=rule, version=version)
        messages.success(request, _("Rule “%(name)s” is back to version %(version)s.") % {"name": rule.name,
                                                                                            "version": version})  # fmt: skip
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("automation:rule_versions", rule.pk)


RULES = SettingsScreen(
    model=Rule, section="automation_rules", list_url="automation:rule_list", edit_url="automation:rule_edit",
    delete=services.rule_delete, instance_key="rule", name_of=lambda rule: rule.name,
    delete_question=gettext_lazy("Delete this rule?"), deleted=gettext_lazy("Rule “%(name)s” was deleted."),
    delete_warning=gettext_lazy("Its run history goes with it; its versions stay."),
    audited_by_service=True,  # each version is an audit entry too (services._version)
)  # fmt: skip
rule_delete = (
    RULES.delete_view
)  # create and edit build conditions and actions row by row: their own views above


# ---- export and import ---------------------------------------------------------------------------------------


@admin_required
def transfer(request: AdminRequest) -> HttpResponse:
    """GET ?download=1: the export file. POST: import a file. Otherwise the page that offers both."""
    if request.method == "GET" and request.GET.get("download"):
        body = json.dumps(services.config_export(actor=request.user), ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="gongdan-automation-{stamp}.json"'
        return response
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_IMPORT_BYTES:
                raise ValidationFailed(
                    _("The file is too large (at most 2 MB)."), details={"file": [_("Too large.")]}
                )
            try:
                data = json.loads(upload.read().decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise ValidationFailed(
                    _("The file is not JSON."), details={"file": [_("Not JSON.")]}
                ) from None
            summary = services.config_import(actor=request.user, data=data)
        except DomainError as exc:
            show_domain_error(form, exc)
            status = 422
        else:
            messages.success(request, _("Imported: %(rc)d rules created, %(ru)d updated; %(mc)d macros created, "
                                        "%(mu)d updated. Imported rules are off until you dry-run them.")
                             % {"rc": summary.rules_created, "ru": summary.rules_updated,
                                "mc": summary.macros_created, "mu": summary.macros_updated})  # fmt: skip
            return redirect("automation:rule_list")
    elif request.method == "POST":
        status = 422
    return render_page(
        request, "automation/transfer.html", section="automation_rules", form=form, status=status
    )


# ---- macros --------------------------------------------------------------------------------------------------


def _macro_rows(_request: AdminRequest) -> list[Macro]:
    return list(selectors.macros_editable(actor=_request.user).order_by("name", "pk"))


MACROS = SettingsScreen(
    model=Macro, section="automation_macros", form_class=MacroForm, list_url="automation:macro_list",
    list_template="automation/macros/list.html", list_name="macros",
    list_context=lambda request: {"macros": _macro_rows(request)},
    create=services.macro_create, update=services.macro_update, delete=services.macro_delete, instance_key="macro",
    edit_url="automation:macro_edit", initial=MacroForm.initial_of, name_of=lambda macro: macro.name,
    new_title=gettext_lazy("New macro"), edit_title=gettext_lazy("Macro: %(name)s"),
    saved=gettext_lazy("Macro “%(name)s” was saved."), delete_question=gettext_lazy("Delete this macro?"),
    deleted=gettext_lazy("Macro “%(name)s” was deleted."),
    audited_by_service=True,  # each version is an audit entry too (services._version)
)  # fmt: skip
macro_list, macro_create, macro_edit, macro_delete = (
    MACROS.list_view, MACROS.create_view, MACROS.edit_view, MACROS.delete_view
)  # fmt: skip


@admin_required
def macro_versions(request: AdminRequest, pk: int) -> HttpResponse:
    macro = get_object_or_404(Macro, pk=pk)
    return _versions_page(request, kind=ConfigVersion.Kind.MACRO, row=macro, section="automation_macros",
                          revert_url="automation:macro_revert", back_url="automation:macro_list")  # fmt: skip


@admin_required
@require_POST
def macro_revert(request: AdminRequest, pk: int) -> HttpResponse:
    macro = get_object_or_404(Macro, pk=pk)
    version = parse_id(request.POST.get("version", "")) or 0
    try:
        services.macro_revert(actor=request.user, macro=macro, version=version)
        messages.success(request, _("Macro “%(name)s” is back to version %(version)s.") % {"name": macro.name,
                                                                                             "version": version})  # fmt: skip
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("automation:macro_versions", macro.pk)


@login_required
@require_POST
def macro_apply(request: HttpRequest, number: str) -> HttpResponse:
    """The ticket page's macro button: apply it as the agent, back to the ticket with what was done."""
    actor: User = request.user  # type: ignore[assignment]
    try:
        ticket = ticket_get(actor=actor, number=number)
        macro = selectors.macros_usable(actor=actor).filter(pk=request.POST.get("macro") or 0).first()
        if macro is None:
            raise ValidationFailed(_("Macro not found."), details={"macro": [_("Not found.")]})
        result = services.macro_apply(actor=actor, macro=macro, ticket=ticket)
    except DomainError as exc:
        messages.error(request, _("The macro was not applied: %(reason)s") % {"reason": exc.message})
    else:
        messages.success(request, _("Macro “%(name)s” applied: %(changes)s.")
                         % {"name": macro.name, "changes": "; ".join(result.changes)})  # fmt: skip
    return redirect("tickets:ticket_detail", number)
