"""Reporting a ticket: the fixed fields, the category's own form and template, photos and files."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gongdan.accounts.models import User
from gongdan.core.domain_errors import DomainError, ValidationFailed
from gongdan.core.ids import parse_id
from gongdan.tickets.forms import TicketCreateForm, staff_users
from gongdan.tickets.models import Category, CustomField, FieldType, Priority
from gongdan.tickets.reference import reference
from gongdan.tickets.services import IncomingFile, attachment_add, ticket_create
from gongdan.tickets.services.attachments import check_file
from gongdan.tickets.services.custom_fields import category_context, fields_for_category
from gongdan.tickets.services.field_logic import evaluate
from gongdan.web.http import SignedInRequest

CUSTOM_PREFIX = "cf_"
# Service detail keys that name a form field differently.
FIELD_ALIASES = {"file": "files", "channel": None, "parent": None, "watchers": None}


def _category(value: Any) -> Category | None:
    pk = parse_id(value)
    return Category.objects.filter(pk=pk, is_active=True).first() if pk is not None else None


def _normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in (text or "").replace("\r\n", "\n").strip().split("\n"))


def custom_values_from(data: Any, fields: list[CustomField]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in fields:
        name = CUSTOM_PREFIX + field.key
        if field.field_type == FieldType.MULTI_CHOICE:
            values[field.key] = [v for v in data.getlist(name) if v]
        else:
            values[field.key] = (data.get(name) or "").strip()
    return values


def user_options(actor: User) -> list[User]:
    if actor.is_staff_member:
        return list(User.objects.filter(is_active=True).order_by("display_name", "username"))
    return list({u.pk: u for u in [actor, *staff_users()]}.values())


def fields_context(
    actor: User, category: Category | None, values: dict[str, Any], errors: dict[str, list[str]],
    *, priority: Priority | None = None, fields: list[CustomField] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The rows of the category's form and the rules its browser script reads. `fields`: the form as stored
    now (the form builder's preview) instead of the per-process copy."""
    fields = fields_for_category(category) if fields is None else fields
    needs_users = any(f.field_type == FieldType.USER for f in fields)
    priority_code = (
        priority.code
        if priority
        else (category.default_priority.code if category and category.default_priority else "")
    )
    states = evaluate(fields, values, category_code=category_context(category), priority_code=priority_code)
    rows = []
    for field in fields:
        value = values.get(field.key, [] if field.field_type == FieldType.MULTI_CHOICE else "")
        state = states[field.key]
        rows.append(
            {
                "field": field,
                "name": CUSTOM_PREFIX + field.key,
                "id": f"id_{CUSTOM_PREFIX}{field.key}",
                "value": value if isinstance(value, list) else str(value),
                "values": [str(v) for v in value] if isinstance(value, list) else [],
                "options": field.choice_options(),
                "errors": errors.get(f"custom_fields.{field.key}", []),
                "hidden": not state.visible,
                "required": state.required,
                "narrowed": list(state.choices) if state.choices is not None else None,
            }
        )
    logic = {
        "category": category_context(category),
        "priority": priority_code,
        "priorities": {str(p.pk): p.code for p in reference().priorities.values()},
        "fields": [{"key": f.key, "required": f.required, "logic": f.logic or {}} for f in fields],
    }
    return {
        "custom_fields": rows,
        "custom_category": category,
        "custom_user_options": user_options(actor) if needs_users else [],
        "custom_logic": logic if any(f.logic for f in fields) else None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: SignedInRequest) -> HttpResponse:
    actor = request.user
    if request.method == "POST":
        return _create(request)
    category = _category(request.GET.get("category"))
    initial = {"category": str(category.pk) if category else "", "asset": request.GET.get("asset", "")[:60]}
    if category and category.template:
        initial["description"] = category.template
    form = TicketCreateForm(initial=initial, actor=actor)
    return _render(request, form, category=category, values={}, errors={})


def _create(request: SignedInRequest) -> HttpResponse:
    actor = request.user
    form = TicketCreateForm(request.POST, request.FILES, actor=actor)
    category = _category(request.POST.get("category"))
    fields = fields_for_category(category)
    values = custom_values_from(request.POST, fields)
    errors: dict[str, list[str]] = {}
    if not form.is_valid():
        return _render(request, form, category=category, values=values, errors=errors, status=400)
    data = form.cleaned_data
    incoming: list[IncomingFile] = []
    limit = settings.GONGDAN_MAX_ATTACHMENT_BYTES
    for upload in data.get("files") or []:
        if upload.size > limit:
            message = _("The file “%(name)s” is larger than %(limit)d MB.") % {
                "name": upload.name,
                "limit": limit // (1024 * 1024),
            }
            errors.setdefault("files", []).append(message)
            continue
        file = IncomingFile(name=upload.name, content=upload.read())
        try:  # every file is checked before anything is written
            check_file(file)
        except ValidationFailed as exc:
            errors.setdefault("files", []).append(str(exc.message))
            continue
        incoming.append(file)
    if errors:
        _apply_errors(form, errors)
        return _render(request, form, category=category, values=values, errors=errors, status=400)
    staff_values: dict[str, Any] = {}
    if actor.is_staff_member:
        staff_values = {name: data.get(name) for name in TicketCreateForm.STAFF_ONLY}
        staff_values["tags"] = staff_values.get("tags") or []
    try:
        with transaction.atomic():
            ticket = ticket_create(
                actor=actor,
                subject=data["subject"],
                description=data.get("description") or "",
                category=data.get("category"),
                ticket_type=data.get("ticket_type"),
                custom_values={k: v for k, v in values.items() if v not in ("", [])},
                location=data.get("location"),
                location_text=data.get("location_text") or "",
                asset=data.get("asset"),
                **staff_values,
            )
            for file in incoming:
                attachment_add(actor=actor, ticket=ticket, file=file)
    except DomainError as exc:
        errors = {key: [str(m) for m in msgs] for key, msgs in (exc.details or {}).items()}
        messages.error(request, exc.message)
        _apply_errors(form, errors)
        return _render(request, form, category=category, values=values, errors=errors, status=exc.status_code)
    messages.success(request, _("Ticket %(number)s created.") % {"number": ticket.number})
    return HttpResponseRedirect(reverse("tickets:ticket_detail", args=[ticket.number]))


def _apply_errors(form: TicketCreateForm, errors: dict[str, list[str]]) -> None:
    """Put each service error next to its field; what has no field goes on top of the form."""
    for key, field_messages in errors.items():
        if key.startswith("custom_fields."):
            continue
        name = FIELD_ALIASES.get(key, key)
        for message in field_messages:
            form.add_error(name if name in form.fields else None, message)


def _render(
    request: SignedInRequest,
    form: TicketCreateForm,
    *,
    category: Category | None,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "template_category": category.pk if category and category.template else "",
        **fields_context(request.user, category, values, errors, priority=_chosen_priority(form)),
    }
    return render(request, "tickets/ticket_new.html", context, status=status)


def _chosen_priority(form: TicketCreateForm) -> Priority | None:
    raw = str(form.data.get("priority", "") if form.is_bound else "")
    return reference().priorities.get(int(raw)) if raw.isdigit() and len(raw) < 10 else None


@login_required
@require_http_methods(["GET", "POST"])
def category_fields(request: SignedInRequest) -> HttpResponse:
    """The category's form fields (htmx), and its template when the description is still untouched."""
    data = request.POST if request.method == "POST" else request.GET
    category = _category(data.get("category"))
    previous = _category(data.get("template_category"))
    description = data.get("description", "")
    untouched = not description.strip() or (
        previous is not None and _normalise(description) == _normalise(previous.template)
    )
    context: dict[str, Any] = fields_context(request.user, category, custom_values_from(data, []), {})
    if untouched:
        context["replace_description"] = True
        context["description"] = category.template if category else ""
        context["template_category"] = category.pk if category and category.template else ""
    return render(request, "tickets/includes/category_fields.html", context)
