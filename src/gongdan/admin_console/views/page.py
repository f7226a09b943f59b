"""Rendering shared by every settings screen: the section menu, the active section, and the create/edit form
page most screens use (`edit_page`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from gongdan.admin_console.access import AdminRequest
from gongdan.admin_console.registry import sections
from gongdan.core.domain_errors import DomainError
from gongdan.web.forms import show_domain_error


def render_page(
    request: HttpRequest, template: str, *, section: str = "", status: int = 200, **context: Any
) -> HttpResponse:
    context.update(sections=sections(), active_section=section)
    return render(request, template, context, status=status)


def form_status(request: HttpRequest, form: Any) -> int:
    """A form sent back with errors answers 422, so scripts and tests can tell it from a fresh form."""
    return 422 if request.method == "POST" and form.is_bound and form.errors else 200


def edit_page(
    request: AdminRequest, *, form_class: Any, instance: Any, initial: dict[str, Any], create: Any, update: Any,
    key: str, section: str, title: str, saved: str, back: str, extra: dict[str, Any] | None = None,
) -> HttpResponse:  # fmt: skip
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                if instance is None:
                    instance = create(actor=request.user, **form.service_values())
                else:
                    instance = update(actor=request.user, **{key: instance}, **form.service_values())
            except DomainError as exc:
                show_domain_error(form, exc)
            else:
                messages.success(request, saved % {"name": instance.name})
                return redirect(back)
    else:
        form = form_class(initial=initial)
    return render_page(request, "admin_console/form_page.html", section=section, form=form, title=title,
                       cancel_url=back, status=form_status(request, form), **(extra or {}))  # fmt: skip
