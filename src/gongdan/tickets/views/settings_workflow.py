"""The workflow editor (decision 0150): the list of workflows, the diagram editor and its JSON endpoints (save a
draft, validate, publish with a mapping, discard), the versions with their differences, restoring one as the
draft, export and import.

The endpoints answer JSON for the editor's script; every change goes through tickets.services.workflows,
which validates and writes the audit entry."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST

from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.views.page import render_page
from gongdan.core.domain_errors import DomainError, NotFound
from gongdan.tickets import workflow_rules
from gongdan.tickets.models import CustomField, Status, TicketType, VersionStatus, WorkflowVersion
from gongdan.tickets.models.workflow import SLA_EFFECT, StateCategory, category_of
from gongdan.tickets.services import workflows

DEFAULT_KEY = "default"
MAX_JSON_BYTES = 400_000


def _owner(key: str) -> TicketType | None:
    if key == DEFAULT_KEY:
        return None
    found = TicketType.objects.filter(code=key).first()
    if found is None:
        raise Http404
    return found


def _key(ticket_type: TicketType | None) -> str:
    return ticket_type.code if ticket_type is not None else DEFAULT_KEY


def _body(request: AdminRequest) -> dict[str, Any]:
    if len(request.body) > MAX_JSON_BYTES:
        raise DomainError(_("The workflow is too large."), code="too_large")
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise DomainError(_("The request is not JSON."), code="invalid_json") from None
    if not isinstance(data, dict):
        raise DomainError(_("The request is not a JSON object."), code="invalid_json")
    return data


def _error(exc: DomainError) -> JsonResponse:
    return JsonResponse(
        {"code": exc.code, "message": str(exc.message), "details": exc.details}, status=exc.status_code
    )


def _problems(definition: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"code": p.code, "state": p.state, "message": p.message}
        for p in workflows.workflow_problems(definition)
    ]


@admin_required
def workflow(request: AdminRequest) -> HttpResponse:
    versions = list(
        WorkflowVersion.objects.filter(status__in=(VersionStatus.PUBLISHED, VersionStatus.DRAFT))
        .select_related("ticket_type", "published_by")
        .order_by("number")
    )
    rows = []
    for ticket_type in [None, *TicketType.objects.order_by("order", "code")]:
        mine = [v for v in versions if v.ticket_type_id == getattr(ticket_type, "pk", None)]
        rows.append({
            "key": _key(ticket_type),
            "label": ticket_type.label if ticket_type else _("Default workflow"),
            "is_default": ticket_type is None,
            "published": next((v for v in mine if v.status == VersionStatus.PUBLISHED), None),
            "draft": next((v for v in mine if v.status == VersionStatus.DRAFT), None),
        })  # fmt: skip
    return render_page(request, "tickets/settings/workflow/list.html", section="workflow", rows=rows)


def _editor_config(ticket_type: TicketType | None, key: str) -> dict[str, Any]:
    draft = workflows.draft_version(ticket_type)
    published = workflows.published_version(ticket_type)
    definition = draft.definition if draft is not None else workflows.definition_in_use(ticket_type)
    gate = workflow_rules.approval_gate()
    fields = [(name, str(label)) for name, label in workflow_rules.TICKET_FIELDS.items()]
    seen = set(workflow_rules.TICKET_FIELDS)
    for field in CustomField.objects.filter(is_active=True).order_by("key"):
        if field.key not in seen:
            seen.add(field.key)
            fields.append((field.key, field.display_label))
    return {
        "key": key,
        "definition": definition,
        "draft": draft.number if draft else None,
        "published": published.number if published else None,
        "statuses": [
            {
                "value": value,
                "label": str(label),
                "category": category_of(value),
                "category_label": str(StateCategory(category_of(value)).label),
                "sla": str(SLA_EFFECT[StateCategory(category_of(value))]),
            }
            for value, label in Status.choices
        ],
        "roles": [{"value": v, "label": label} for v, label in _role_labels().items()],
        "checks": [{"value": c.code, "label": str(c.label)} for c in workflow_rules.checks().values()],
        "fields": [{"value": v, "label": label} for v, label in fields],
        "approvals": [{"value": v, "label": label} for v, label in (gate.choices() if gate else [])],
        "urls": {
            "draft": reverse("tickets:workflow_draft", args=[key]),
            "validate": reverse("tickets:workflow_validate", args=[key]),
            "publish": reverse("tickets:workflow_publish", args=[key]),
            "versions": reverse("tickets:workflow_versions", args=[key]),
        },
    }


@admin_required
def workflow_edit(request: AdminRequest, key: str) -> HttpResponse:
    ticket_type = _owner(key)
    config = _editor_config(ticket_type, key)
    return render_page(
        request,
        "tickets/settings/workflow/editor.html",
        section="workflow",
        owner_label=ticket_type.label if ticket_type else _("Default workflow"),
        key=key,
        config=config,
    )


def _role_labels() -> dict[str, str]:
    return {
        "requester": pgettext("workflow role", "The ticket's requester"),
        "assignee": pgettext("workflow role", "The ticket's assignee"),
        "agent": pgettext("workflow role", "Agents of its team"),
        "team_lead": pgettext("workflow role", "Team leads"),
        "manager": pgettext("workflow role", "Managers"),
        "admin": pgettext("workflow role", "Administrators"),
    }


@admin_required
@require_POST
def workflow_validate(request: AdminRequest, key: str) -> JsonResponse:
    ticket_type = _owner(key)
    try:
        definition = workflows.clean_definition(_body(request).get("definition"))
    except DomainError as exc:
        return _error(exc)
    return JsonResponse({
        "problems": _problems(definition),
        "stranded": workflows.stranded_states(ticket_type, definition),
    })  # fmt: skip


@admin_required
@require_POST
def workflow_draft(request: AdminRequest, key: str) -> JsonResponse:
    ticket_type = _owner(key)
    try:
        body = _body(request)
        draft = workflows.workflow_draft_save(
            actor=request.user, ticket_type=ticket_type, definition=body.get("definition"),
            note=str(body.get("note") or ""),
        )  # fmt: skip
    except DomainError as exc:
        return _error(exc)
    return JsonResponse({
        "version": draft.number,
        "problems": _problems(draft.definition),
        "stranded": workflows.stranded_states(ticket_type, draft.definition),
    })  # fmt: skip


@admin_required
@require_POST
def workflow_publish(request: AdminRequest, key: str) -> JsonResponse:
    ticket_type = _owner(key)
    try:
        body = _body(request)
        mapping = body.get("mapping") or {}
        if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
            raise DomainError(_("The mapping names a new state for each old one."), code="mapping_invalid")
        if body.get("definition") is not None:
            workflows.workflow_draft_save(
                actor=request.user, ticket_type=ticket_type, definition=body["definition"]
            )
        version = workflows.workflow_publish(actor=request.user, ticket_type=ticket_type, mapping=mapping)
    except DomainError as exc:
        return _error(exc)
    messages.success(request, _("Version %(number)d is published.") % {"number": version.number})
    return JsonResponse(
        {
            "version": version.number,
            "moved": version.moved,
            "redirect": reverse("tickets:workflow_versions", args=[key]),
        }
    )


@admin_required
@require_POST
def workflow_discard(request: AdminRequest, key: str) -> HttpResponse:
    try:
        workflows.workflow_draft_discard(actor=request.user, ticket_type=_owner(key))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The draft was discarded."))
    return redirect("tickets:workflow_edit", key)


@admin_required
def workflow_versions(request: AdminRequest, key: str) -> HttpResponse:
    ticket_type = _owner(key)
    versions = list(
        WorkflowVersion.objects.filter(workflows._owner_key(ticket_type))
        .select_related("created_by", "published_by")
        .order_by("-number")
    )
    rows = []
    for index, version in enumerate(versions):
        before = versions[index + 1].definition if index + 1 < len(versions) else {}
        rows.append({"version": version, "diff": workflows.workflow_diff(before, version.definition)})
    return render_page(
        request,
        "tickets/settings/workflow/versions.html",
        section="workflow",
        owner_label=ticket_type.label if ticket_type else _("Default workflow"),
        key=key,
        rows=rows,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def workflow_restore(request: AdminRequest, key: str, number: int) -> HttpResponse:
    """GET asks, showing what restoring changes against the draft (or the version in use); POST restores the
    version as the draft and opens the editor, where it is validated and published as usual."""
    ticket_type = _owner(key)
    try:
        version = workflows.restorable_version(ticket_type, number)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("tickets:workflow_versions", key)
    if request.method == "POST":
        try:
            restored = workflows.workflow_restore(actor=request.user, ticket_type=ticket_type, number=number)
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect("tickets:workflow_versions", key)
        messages.success(request, _("Version %(old)d is the draft now (version %(new)d): check it and publish it.")
                         % {"old": number, "new": restored.number})  # fmt: skip
        return redirect("tickets:workflow_edit", key)
    draft = workflows.draft_version(ticket_type)
    compared = draft.definition if draft is not None else workflows.definition_in_use(ticket_type)
    return render_page(
        request, "tickets/settings/workflow/restore.html", section="workflow", key=key, version=version,
        owner_label=ticket_type.label if ticket_type else _("Default workflow"), draft=draft,
        diff=workflows.workflow_diff(compared, version.definition),
        stranded=workflows.stranded_states(ticket_type, version.definition),
    )  # fmt: skip


@admin_required
def workflow_export(request: AdminRequest, key: str, number: int) -> HttpResponse:
    ticket_type = _owner(key)
    version = WorkflowVersion.objects.filter(workflows._owner_key(ticket_type), number=number).first()
    if version is None:
        raise Http404
    response = JsonResponse(
        workflows.workflow_export(version), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="workflow-{key}-v{number}.json"'
    return response


@admin_required
@require_POST
def workflow_import(request: AdminRequest, key: str) -> HttpResponse:
    ticket_type = _owner(key)
    upload = request.FILES.get("file")
    try:
        if upload is None or upload.size is None or upload.size > workflows.MAX_IMPORT_BYTES:
            raise DomainError(_("Choose an exported workflow file (at most 200 KB)."), code="invalid_export")
        try:
            data = json.loads(upload.read())
        except ValueError:
            raise DomainError(_("The file is not JSON."), code="invalid_export") from None
        draft = workflows.workflow_import(actor=request.user, ticket_type=ticket_type, data=data)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("tickets:workflow_versions", key)
    messages.success(request, _("Imported as the draft, version %(number)d.") % {"number": draft.number})
    return redirect("tickets:workflow_edit", key)
