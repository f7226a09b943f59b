"""Integration settings screens (admins, under /settings/integrations/): the list, a form per kind, the
secret shown once, the severity table, the CRM field mapping, Open311 services and the delivery log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.screens import SettingsScreen
from gongdan.admin_console.views.page import form_status, render_page
from gongdan.audit.services import audited_configuration_delete, audited_configuration_save
from gongdan.core.domain_errors import DomainError
from gongdan.integrations import selectors, services
from gongdan.integrations.forms import FieldMappingForm, IntegrationForm, ServiceForm, SeverityForm
from gongdan.integrations.models import (
    ALERT_KINDS,
    FieldMapping,
    Integration,
    Kind,
    Open311Service,
    SeverityMapping,
)
from gongdan.web.forms import show_domain_error

SESSION_SECRET = "integrations_new_secret"  # noqa: S105 (a session key name)
ENDPOINTS = {
    Kind.ALERTMANAGER: "/api/v1/integrations/{slug}/alertmanager",
    Kind.ZABBIX: "/api/v1/integrations/{slug}/zabbix",
    Kind.INBOUND: "/api/v1/integrations/{slug}/records",
    Kind.OPEN311: "/api/v1/open311/{slug}/",
}


def endpoint_url(integration: Integration) -> str:
    return settings.SITE_URL.rstrip("/") + ENDPOINTS[Kind(integration.kind)].format(slug=integration.slug)


@admin_required
def integration_list(request: AdminRequest) -> HttpResponse:
    return render_page(
        request, "integrations/list.html", section="integrations", integrations=selectors.integration_list(),
        kinds=Kind.choices,
    )  # fmt: skip


@admin_required
def integration_create(request: AdminRequest, kind: str) -> HttpResponse:
    if kind not in Kind.values:
        raise Http404
    form = IntegrationForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            integration, secret = audited_configuration_save(actor=request.user, row=None, save=lambda: (
                services.integration_create(actor=request.user, kind=kind, **form.service_values())))  # fmt: skip
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            # Shown once on the next page, then gone: only its digest is stored.
            request.session[SESSION_SECRET] = {"pk": integration.pk, "secret": secret}
            messages.success(request, _("Integration %(name)s was created.") % {"name": integration.name})
            return redirect("integrations:integration_edit", pk=integration.pk)
    return render_page(
        request, "integrations/form.html", section="integrations", form=form, integration=None,
        kind_label=Kind(kind).label, status=form_status(request, form),
    )  # fmt: skip


def _edit_page(
    request: AdminRequest, integration: Integration, form: IntegrationForm, *, severity_form: SeverityForm | None = None,
    mapping_form: FieldMappingForm | None = None, service_form: ServiceForm | None = None, status: int = 200,
) -> HttpResponse:  # fmt: skip
    shown = request.session.pop(SESSION_SECRET, None)
    secret = shown["secret"] if shown and shown.get("pk") == integration.pk else ""
    return render_page(
        request, "integrations/form.html", section="integrations", form=form, integration=integration,
        kind_label=integration.get_kind_display(), secret=secret, endpoint=endpoint_url(integration),
        is_alert=integration.kind in ALERT_KINDS, is_inbound=integration.kind == Kind.INBOUND,
        is_open311=integration.kind == Kind.OPEN311,
        severities=list(integration.severities.select_related("priority")),
        mappings=list(integration.field_mappings.all()),
        services=list(integration.services.select_related("category")),
        severity_form=severity_form or SeverityForm(), mapping_form=mapping_form or FieldMappingForm(),
        service_form=service_form or ServiceForm(), deliveries=selectors.deliveries_recent(integration),
        category_warning=_category_warning(integration), status=status,
    )  # fmt: skip


def _category_warning(integration: Integration) -> str:
    """Said at the top of the page when the default category gained a required field this integration
    cannot fill (its settings refused that when the category was chosen)."""
    gap = services.category_gap(integration)
    return services.describe_category_gap(gap, kind=integration.kind) if gap else ""


@admin_required
def integration_edit(request: AdminRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(Integration.objects.select_related("service_user"), pk=pk)
    if request.method == "POST":
        form = IntegrationForm(request.POST, kind=integration.kind, editing=True)
        if form.is_valid():
            try:
                audited_configuration_save(actor=request.user, row=integration, save=lambda: (
                    services.integration_update(actor=request.user, integration=integration, **form.service_values())))  # fmt: skip
            except DomainError as exc:
                integration.refresh_from_db()
                show_domain_error(form, exc)
            else:
                messages.success(request, _("Changes to %(name)s were saved.") % {"name": integration.name})
                return redirect("integrations:integration_edit", pk=pk)
    else:
        form = IntegrationForm(
            initial=IntegrationForm.initial_for(integration), kind=integration.kind, editing=True
        )
    return _edit_page(request, integration, form, status=form_status(request, form))


def _edit_form(integration: Integration) -> IntegrationForm:
    return IntegrationForm(
        initial=IntegrationForm.initial_for(integration), kind=integration.kind, editing=True
    )


@admin_required
@require_POST
def integration_rotate(request: AdminRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(Integration, pk=pk)
    secret = services.integration_rotate_secret(actor=request.user, integration=integration)
    request.session[SESSION_SECRET] = {"pk": integration.pk, "secret": secret}
    messages.success(request, _("A new secret was made; the old one no longer works."))
    return redirect("integrations:integration_edit", pk=pk)


INTEGRATIONS = SettingsScreen(
    model=Integration, section="integrations", list_url="integrations:integration_list",
    edit_url="integrations:integration_edit", delete=services.integration_delete, instance_key="integration",
    name_of=lambda integration: integration.name, deleted=gettext_lazy("Integration %(name)s was deleted."),
    delete_warning=gettext_lazy("Its secret stops working at once. One that has made tickets cannot be deleted: deactivate it instead."),
)  # fmt: skip
integration_delete = INTEGRATIONS.delete_view


def _add_row(
    request: AdminRequest, pk: int, form_class: Any, add: Any, done: str, anchor: str, form_name: str
) -> HttpResponse:
    """One of the edit page's small add forms (severity, field mapping, Open311 service): saved through its
    service, or the page again with the form's errors."""
    integration = get_object_or_404(Integration, pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            audited_configuration_save(
                actor=request.user,
                row=None,
                save=lambda: add(actor=request.user, integration=integration, **form.cleaned_data),
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, done)
            return redirect(reverse("integrations:integration_edit", args=[pk]) + f"#{anchor}")
    return _edit_page(request, integration, _edit_form(integration), status=422, **{form_name: form})


def _remove_row(
    request: AdminRequest, model: Any, pk: int, remove: Any, keyword: str, done: str, anchor: str
) -> HttpResponse:
    """One of the edit page's small rows (severity, field mapping, Open311 service), removed through its
    service; back to the edit page at its section."""
    row = get_object_or_404(model, pk=pk)
    try:
        audited_configuration_delete(
            actor=request.user, row=row, delete=lambda: remove(actor=request.user, **{keyword: row})
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)
    return redirect(reverse("integrations:integration_edit", args=[row.integration_id]) + f"#{anchor}")


@admin_required
@require_POST
def severity_add(request: AdminRequest, pk: int) -> HttpResponse:
    return _add_row(
        request,
        pk,
        SeverityForm,
        services.severity_set,
        _("The severity mapping was saved."),
        "severities",
        "severity_form",
    )


@admin_required
@require_POST
def severity_delete(request: AdminRequest, pk: int) -> HttpResponse:
    return _remove_row(request, SeverityMapping, pk, services.severity_remove, "mapping",
                       _("The severity mapping was removed."), "severities")  # fmt: skip


@admin_required
@require_POST
def mapping_add(request: AdminRequest, pk: int) -> HttpResponse:
    return _add_row(
        request,
        pk,
        FieldMappingForm,
        services.field_mapping_add,
        _("The field mapping was added."),
        "fields",
        "mapping_form",
    )


@admin_required
@require_POST
def mapping_delete(request: AdminRequest, pk: int) -> HttpResponse:
    return _remove_row(request, FieldMapping, pk, services.field_mapping_remove, "mapping",
                       _("The field mapping was removed."), "fields")  # fmt: skip


@admin_required
@require_POST
def service_add(request: AdminRequest, pk: int) -> HttpResponse:
    return _add_row(
        request,
        pk,
        ServiceForm,
        services.open311_service_add,
        _("The service was added."),
        "services",
        "service_form",
    )


@admin_required
@require_POST
def service_delete(request: AdminRequest, pk: int) -> HttpResponse:
    return _remove_row(request, Open311Service, pk, services.open311_service_remove, "service",
                       _("The service was removed."), "services")  # fmt: skip
