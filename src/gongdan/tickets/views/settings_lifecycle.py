"""Priorities, ticket types, numbering and the desk settings (the workflow editor is settings_workflow.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.views.page import form_status, render_page
from gongdan.audit.services import audited_configuration_save
from gongdan.core.domain_errors import DomainError
from gongdan.tickets.models import DeskSettings, Priority, TicketType
from gongdan.tickets.reference import reference
from gongdan.tickets.services import configuration as config_services
from gongdan.tickets.services.numbering import numbering_settings
from gongdan.tickets.settings_forms import DeskSettingsForm, NumberingForm, PriorityForm, TicketTypeForm
from gongdan.web.forms import show_domain_error

EXAMPLE_SEQUENCE = 123


def _inline_rows(
    rows: Iterable[Any], form_class: type[forms.Form], prefix: str, fields: tuple[str, ...], bound: Any = None
) -> list[tuple[Any, forms.Form]]:
    """One small form per row (priorities, ticket types); the row just posted keeps its bound form."""
    result = []
    for row in rows:
        if bound and bound[0] == row.pk:
            form = bound[1]
        else:
            form = form_class(prefix=f"{prefix}{row.pk}", initial={f: getattr(row, f) for f in fields})
        result.append((row, form))
    return result


def _priority_rows(bound: tuple[int, PriorityForm] | None = None) -> list[tuple[Any, forms.Form]]:
    return _inline_rows(
        Priority.objects.order_by("rank"),
        PriorityForm,
        "p",
        ("name", "name_en", "colour", "is_default"),
        bound,
    )


@admin_required
def priority_list(request: AdminRequest) -> HttpResponse:
    return render_page(
        request, "tickets/settings/lifecycle/priorities.html", section="priorities", rows=_priority_rows()
    )


@admin_required
@require_POST
def priority_edit(request: AdminRequest, pk: int) -> HttpResponse:
    priority = get_object_or_404(Priority, pk=pk)
    form = PriorityForm(request.POST, prefix=f"p{priority.pk}")
    if form.is_valid():
        try:
            audited_configuration_save(actor=request.user, row=priority, save=lambda: config_services.priority_update(
                actor=request.user, priority=priority, **form.cleaned_data))  # fmt: skip
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("Priority %(name)s was saved.") % {"name": priority})
            return redirect("tickets:priority_list")
    return render_page(
        request,
        "tickets/settings/lifecycle/priorities.html",
        section="priorities",
        rows=_priority_rows((priority.pk, form)),
        status=422,
    )


def _type_rows(bound: tuple[int, TicketTypeForm] | None = None) -> list[tuple[Any, forms.Form]]:
    return _inline_rows(
        TicketType.objects.order_by("order", "code"),
        TicketTypeForm,
        "t",
        ("name", "name_en", "order", "is_active"),
        bound,
    )


@admin_required
def ticket_type_list(request: AdminRequest) -> HttpResponse:
    return render_page(
        request, "tickets/settings/lifecycle/ticket_types.html", section="ticket_types", rows=_type_rows()
    )


@admin_required
@require_POST
def ticket_type_edit(request: AdminRequest, pk: int) -> HttpResponse:
    ticket_type = get_object_or_404(TicketType, pk=pk)
    form = TicketTypeForm(request.POST, prefix=f"t{ticket_type.pk}")
    if form.is_valid():
        try:
            audited_configuration_save(actor=request.user, row=ticket_type, save=lambda: config_services.ticket_type_update(
                actor=request.user, ticket_type=ticket_type, **form.cleaned_data))  # fmt: skip
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("Ticket type %(name)s was saved.") % {"name": ticket_type.label})
            return redirect("tickets:ticket_type_list")
    return render_page(
        request,
        "tickets/settings/lifecycle/ticket_types.html",
        section="ticket_types",
        rows=_type_rows((ticket_type.pk, form)),
        status=422,
    )


def numbering_example(*, prefix: str, include_year: bool, digits: int) -> str:
    year = timezone.localtime().year
    scope = f"{prefix}-{year}" if include_year else prefix
    return f"{scope}-{EXAMPLE_SEQUENCE:0{digits}d}"


@admin_required
def numbering(request: AdminRequest) -> HttpResponse:
    current = numbering_settings()
    if request.method == "POST":
        form = NumberingForm(request.POST)
        if form.is_valid():
            try:
                audited_configuration_save(actor=request.user, row=current, save=lambda: config_services.numbering_update(
                    actor=request.user, **form.cleaned_data))  # fmt: skip
            except DomainError as exc:
                show_domain_error(form, exc)
            else:
                messages.success(
                    request, _("Ticket numbering was saved. New tickets use it; old numbers stay.")
                )
                return redirect("tickets:numbering")
    else:
        form = NumberingForm(
            initial={"prefix": current.prefix, "include_year": current.include_year, "digits": current.digits}
        )
    return render_page(
        request,
        "tickets/settings/lifecycle/numbering.html",
        section="numbering",
        form=form,
        example=numbering_example(
            prefix=current.prefix, include_year=current.include_year, digits=current.digits
        ),
        year=timezone.localtime().year,
        sequence=EXAMPLE_SEQUENCE,
        status=form_status(request, form),
    )


@admin_required
def desk_settings(request: AdminRequest) -> HttpResponse:
    if request.method == "POST":
        form = DeskSettingsForm(request.POST)
        if form.is_valid():
            try:
                audited_configuration_save(actor=request.user, row=DeskSettings.objects.first(),
                                           save=lambda: config_services.desk_settings_update(
                                               actor=request.user, **form.cleaned_data))  # fmt: skip
            except DomainError as exc:
                show_domain_error(form, exc)
            else:
                messages.success(request, _("The desk settings were saved."))
                return redirect("tickets:desk_settings")
    else:
        form = DeskSettingsForm(
            initial={"separate_resolution_note": reference().desk.separate_resolution_note}
        )
    return render_page(
        request,
        "tickets/settings/lifecycle/desk.html",
        section="desk",
        form=form,
        status=form_status(request, form),
    )
