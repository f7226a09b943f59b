"""The form builder of a category (issue 15, item 4): its fields in order — dragged, or moved with the up and
down buttons — added, edited and removed in place, beside a live preview that is the form the portal and the
agent form show, driven by the same rule script (tickets/static/tickets/field_logic.js). Thin: every change is
a configuration service; the order and removals are audited."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.views.page import render_page
from gongdan.audit.services import audited_configuration_delete
from gongdan.core.domain_errors import DomainError
from gongdan.tickets import selectors
from gongdan.tickets.models import Category, CustomField
from gongdan.tickets.reference import reference
from gongdan.tickets.services import configuration as config_services
from gongdan.tickets.settings_forms import OPERATOR_LABELS
from gongdan.tickets.views.create import fields_context
from gongdan.web.http import wants_fragment

TEMPLATE = "tickets/settings/categories/builder.html"


def _describe(conditions: list[dict[str, Any]], labels: dict[str, str]) -> str:
    ops = dict(OPERATOR_LABELS)
    parts = []
    for c in conditions or []:
        value = c.get("value")
        shown = (
            ", ".join(str(v) for v in value)
            if isinstance(value, list)
            else ("" if value is None else str(value))
        )
        target = labels.get(str(c.get("field")), str(c.get("field")))
        parts.append(f"{target} {ops.get(str(c.get('op')), c.get('op'))} {shown}".strip())
    return _(" and ").join(parts)


def logic_summary(field: CustomField, labels: dict[str, str]) -> list[tuple[str, str]]:
    """The field's rules in words, for its row: (kind, sentence)."""
    logic = field.logic or {}
    lines = []
    if logic.get("show_when"):
        lines.append(("show", _("Shown when %(c)s") % {"c": _describe(logic["show_when"], labels)}))
    if logic.get("require_when"):
        lines.append(("require", _("Required when %(c)s") % {"c": _describe(logic["require_when"], labels)}))
    for rule in logic.get("choices_when") or []:
        lines.append(("choices", _("Only %(values)s when %(c)s") % {
            "values": ", ".join(rule.get("values") or []), "c": _describe(rule.get("when") or [], labels)}))  # fmt: skip
    return lines


def builder_context(request: AdminRequest, category: Category, *, error: str = "") -> dict[str, Any]:
    own = list(category.custom_fields.order_by("order", "pk"))
    inherited = selectors.inherited_fields(category)
    labels: dict[str, str] = {"@category": _("the category"), "@priority": _("the priority")}
    labels.update({f.key: f.display_label for f in [*inherited, *own]})
    for field in [*inherited, *own]:
        field.summary = logic_summary(field, labels)  # type: ignore[attr-defined]
    form = [f for f in [*inherited, *own] if f.is_active]  # what the portal shows, in its order
    priorities = sorted(reference().priorities.values(), key=lambda p: p.code)
    default = category.default_priority
    return {
        "category": category, "ancestors": selectors.category_ancestors(category), "own_fields": own,
        "inherited_fields": inherited, "priorities": priorities, "preview_priority": default.pk if default else None,
        "builder_error": error, **fields_context(request.user, category, {}, {}, fields=form),
    }  # fmt: skip


@admin_required
@require_GET
def form_builder(request: AdminRequest, pk: int) -> HttpResponse:
    category = get_object_or_404(Category.objects.select_related("default_priority"), pk=pk)
    template = f"{TEMPLATE}#builder" if wants_fragment(request) else TEMPLATE
    return render_page(request, template, section="categories", **builder_context(request, category))


def _moved(keys: list[str], key: str, direction: str) -> list[str]:
    if key not in keys:
        return keys
    index = keys.index(key)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(keys):
        return keys
    keys = list(keys)
    keys[index], keys[other] = keys[other], keys[index]
    return keys


@admin_required
@require_POST
def form_order(request: AdminRequest, pk: int) -> HttpResponse:
    """Save the order: `order` (every key, comma-separated: the drag) or `move` and `direction` (the buttons).
    htmx gets the builder back (422 with the reason when refused); a plain form goes back to the page."""
    category = get_object_or_404(Category.objects.select_related("default_priority"), pk=pk)
    current = list(category.custom_fields.order_by("order", "pk").values_list("key", flat=True))
    if "order" in request.POST:
        keys = [k.strip() for k in request.POST.get("order", "").split(",") if k.strip()]
    else:
        keys = _moved(current, request.POST.get("move", ""), request.POST.get("direction", ""))
    error = ""
    try:
        config_services.custom_field_reorder(actor=request.user, category=category, keys=keys)
    except DomainError as exc:
        error = "; ".join(m for ms in exc.details.values() for m in ms) or str(exc.message)
    if not wants_fragment(request):
        if error:
            messages.error(request, error)
        return redirect("tickets:form_builder", category.pk)
    return render_page(request, f"{TEMPLATE}#builder", section="categories", status=422 if error else 200,
                       **builder_context(request, category, error=error))  # fmt: skip


@admin_required
@require_POST
def field_delete(request: AdminRequest, pk: int) -> HttpResponse:
    field = get_object_or_404(CustomField.objects.select_related("category"), pk=pk)
    category = field.category
    try:
        audited_configuration_delete(actor=request.user, row=field,
                                     delete=lambda: config_services.custom_field_delete(actor=request.user, field=field))  # fmt: skip
    except DomainError as exc:
        messages.error(request, "; ".join(m for ms in exc.details.values() for m in ms) or str(exc.message))
    else:
        messages.success(request, _("Field %(name)s was removed.") % {"name": field.display_label})
    response: HttpResponse = redirect("tickets:form_builder", category.pk)
    if wants_fragment(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("tickets:form_builder", args=[category.pk])
    return response
