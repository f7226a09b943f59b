"""Categories and the custom fields of their forms."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.forms.models import model_to_dict
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.screens import SettingsScreen
from gongdan.admin_console.views.page import form_status, render_page
from gongdan.audit.services import audited_configuration_save
from gongdan.core.domain_errors import DomainError
from gongdan.core.ids import parse_id
from gongdan.tickets import selectors
from gongdan.tickets.models import Category, CustomField, Priority, TicketType
from gongdan.tickets.services import configuration as config_services
from gongdan.tickets.settings_forms import CategoryForm, CustomFieldForm, choices_to_text
from gongdan.tickets.tasks import reseal_sensitive_custom_values
from gongdan.web.forms import show_domain_error
from gongdan.web.http import wants_fragment

FIELD_FORM = "tickets/settings/categories/field_form.html"


def _field_saved(request: AdminRequest, category: Category) -> HttpResponse:
    """Back to the form builder when the field was edited there (in its panel, or ?builder=1), else to the
    category."""
    if wants_fragment(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("tickets:form_builder", args=[category.pk])
        return response
    if request.GET.get("builder"):
        return redirect("tickets:form_builder", category.pk)
    return redirect("tickets:category_edit", pk=category.pk)


def _field_page(request: AdminRequest, **context: Any) -> HttpResponse:
    template = f"{FIELD_FORM}#panel" if wants_fragment(request) else FIELD_FORM
    return render_page(request, template, section="categories", in_builder=bool(request.GET.get("builder")),
                       status=form_status(request, context["form"]), **context)  # fmt: skip


CATEGORY_FIELDS = ["name", "name_en", "parent", "description", "default_team", "default_priority", "default_type",
                   "template", "order", "is_active"]  # fmt: skip


def _category_initial_new(request: AdminRequest) -> dict[str, Any]:
    """A subcategory (?parent=<id>) starts with its parent's defaults; a top category with the site's."""
    parent_id = parse_id(request.GET.get("parent"))
    parent = Category.objects.filter(pk=parent_id).first() if parent_id is not None else None
    initial: dict[str, Any] = {"order": 0, "is_active": True}
    if parent is not None:
        initial.update(parent=parent.pk, default_team=parent.default_team_id,
                       default_priority=parent.default_priority_id, default_type=parent.default_type_id)  # fmt: skip
    else:
        initial["default_priority"] = (
            Priority.objects.filter(is_default=True).values_list("pk", flat=True).first()
        )
        initial["default_type"] = (
            TicketType.objects.filter(is_active=True).values_list("pk", flat=True).first()
        )
    return initial


def _category_page(request: AdminRequest, category: Category | None) -> dict[str, Any]:
    """Beside the form: where the category sits, and the fields of its form (its own and inherited)."""
    if category is None:
        return {"category": None}
    return {"category": category, "ancestors": selectors.category_ancestors(category),
            "own_fields": category.custom_fields.all(), "inherited_fields": selectors.inherited_fields(category)}  # fmt: skip


CATEGORIES = SettingsScreen(
    model=Category, section="categories", form_class=CategoryForm, list_url="tickets:category_list",
    list_template="tickets/settings/categories/list.html", rows=selectors.category_tree,
    form_template="tickets/settings/categories/form.html",
    create=config_services.category_create, update=config_services.category_update, instance_key="category",
    form_kwargs=lambda category: {"category": category}, initial_new=_category_initial_new,
    initial=lambda category: model_to_dict(category, fields=CATEGORY_FIELDS), form_context=_category_page,
    name_of=lambda category: category.label,
    created=gettext_lazy("Category %(name)s was created; now add its fields."),
    saved=gettext_lazy("Category %(name)s was saved."),
    after_save=lambda category: ("tickets:category_edit", category.pk),
)  # fmt: skip
category_list, category_create, category_edit = (
    CATEGORIES.list_view,
    CATEGORIES.create_view,
    CATEGORIES.edit_view,
)


@admin_required
def field_create(request: AdminRequest, category_pk: int) -> HttpResponse:
    category = get_object_or_404(Category, pk=category_pk)
    if request.method == "POST":
        form = CustomFieldForm(
            request.POST, above=config_services.fields_above(category, None, order=1 << 15)
        )
        if form.is_valid():
            try:
                field = audited_configuration_save(actor=request.user, row=None, save=lambda: config_services.custom_field_create(
                    actor=request.user, category=category, **form.cleaned_data))  # fmt: skip
            except DomainError as exc:
                show_domain_error(form, exc)
            else:
                messages.success(request, _("Field %(name)s was added.") % {"name": field.display_label})
                return _field_saved(request, category)
    else:
        next_order = (
            category.custom_fields.order_by("-order").values_list("order", flat=True).first() or 0
        ) + 10
        form = CustomFieldForm(initial={"order": next_order, "is_active": True},
                               above=config_services.fields_above(category, None, order=next_order))  # fmt: skip
    return _field_page(request, form=form, category=category)


@admin_required
def field_edit(request: AdminRequest, pk: int) -> HttpResponse:
    field = get_object_or_404(CustomField.objects.select_related("category"), pk=pk)
    category = field.category
    if request.method == "POST":
        form = CustomFieldForm(request.POST, field=field, initial={"key": field.key},
                               above=config_services.fields_above(category, field, order=field.order))  # fmt: skip
        if form.is_valid():
            try:
                was_sensitive = field.sensitive
                audited_configuration_save(actor=request.user, row=field, save=lambda: config_services.custom_field_update(
                    actor=request.user, field=field, **form.service_values()))  # fmt: skip
                if field.sensitive and not was_sensitive:
                    reseal_sensitive_custom_values()  # the values it already holds are sealed in the background
            except DomainError as exc:
                field.refresh_from_db()
                show_domain_error(form, exc)
            else:
                messages.success(request, _("Field %(name)s was saved.") % {"name": field.display_label})
                return _field_saved(request, category)
    else:
        form = CustomFieldForm(
            field=field,
            above=config_services.fields_above(category, field, order=field.order),
            initial={
                **CustomFieldForm.builder_initial(field.logic or {}),
                "key": field.key,
                "label": field.label,
                "label_en": field.label_en,
                "field_type": field.field_type,
                "required": field.required,
                "choices": choices_to_text(field.choices),
                "help_text": field.help_text,
                "order": field.order,
                "is_active": field.is_active,
                "sensitive": field.sensitive,
                "personal": field.personal,
            },
        )
    return _field_page(request, form=form, category=category, field=field)
