"""Rendering shared by every settings screen: the section menu and the active section. The list/create/edit/
delete screens themselves are `gongdan.admin_console.screens.SettingsScreen`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gongdan.admin_console.registry import sections


def render_page(
    request: HttpRequest, template: str, *, section: str = "", status: int = 200, **context: Any
) -> HttpResponse:
    context.update(sections=sections(), active_section=section)
    return render(request, template, context, status=status)


def form_status(request: HttpRequest, form: Any) -> int:
    """A form sent back with errors answers 422, so scripts and tests can tell it from a fresh form."""
    return 422 if request.method == "POST" and form.is_bound and form.errors else 200
