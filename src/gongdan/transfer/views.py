"""The configuration transfer screen (admins): download the file, preview an import (a dry run), apply it,
keep a version by hand, compare a version with now and go back to it. Thin: parse, call a service, render."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.transfer import Change
from gongdan.admin_console.views.page import render_page
from gongdan.core.domain_errors import DomainError, ValidationFailed
from gongdan.transfer import services
from gongdan.transfer.models import ConfigurationVersion

MAX_FILE_BYTES = 1024 * 1024
TEMPLATE = "transfer/index.html"
SECTION = "configuration_transfer"


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Configuration file (JSON)"), required=False)
    content = forms.CharField(widget=forms.HiddenInput, required=False, max_length=MAX_FILE_BYTES)


def _read(form: ImportForm) -> Any:
    upload = form.cleaned_data.get("file")
    if upload is not None:
        if upload.size > MAX_FILE_BYTES:
            raise ValidationFailed(
                _("The file is too large (at most 1 MB)."), details={"file": [_("Too large.")]}
            )
        raw = upload.read()
    else:
        raw = (form.cleaned_data.get("content") or "").encode()
    if not raw.strip():
        raise ValidationFailed(_("Choose a file."), details={"file": [_("Choose a file.")]})
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValidationFailed(_("The file is not JSON."), details={"file": [_("Not JSON.")]}) from None


def _titles() -> dict[str, str]:
    return dict(services.section_choices())


def _rows(changes: list[Change]) -> list[dict[str, Any]]:
    titles = _titles()
    return [{"section": titles.get(c.section, c.section), "key": c.key, "action": c.action,
             "fields": ", ".join(c.fields)} for c in changes]  # fmt: skip


def _page(
    request: AdminRequest, *, form: ImportForm | None = None, status: int = 200, **context: Any
) -> HttpResponse:
    versions = list(ConfigurationVersion.objects.select_related("actor").defer("content")[:30])
    return render_page(request, TEMPLATE, section=SECTION, form=form or ImportForm(), versions=versions,
                       transfer_sections=services.section_choices(), status=status, **context)  # fmt: skip


@admin_required
@require_GET
def index(request: AdminRequest) -> HttpResponse:
    """The page; with ?download=1 (and ?section=… to pick some), the file itself."""
    if not request.GET.get("download"):
        return _page(request)
    picked = request.GET.getlist("section") or None
    try:
        content = services.config_export(actor=request.user, sections=picked)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("transfer:index")
    response = HttpResponse(json.dumps(content, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")  # fmt: skip
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="gongdan-configuration-{stamp}.json"'
    return response


@admin_required
@require_POST
def preview(request: AdminRequest) -> HttpResponse:
    """A dry run of the file: what it would create and change, by name — nothing is written."""
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form=form, status=422)
    try:
        data = _read(form)
        report = services.config_import(actor=request.user, data=data, dry_run=True)
    except DomainError as exc:
        form.add_error(None, str(exc.message))
        return _page(request, form=form, status=422)
    return _page(request, form=form, report=report, rows=_rows(report.changes),
                 content=json.dumps(data, ensure_ascii=False))  # fmt: skip


@admin_required
@require_POST
def apply(request: AdminRequest) -> HttpResponse:
    form = ImportForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=422)
    try:
        report = services.config_import(actor=request.user, data=_read(form))
    except DomainError as exc:
        form.add_error(None, str(exc.message))
        return _page(request, form=form, status=422)
    messages.success(request, _("Imported: %(created)d created, %(updated)d changed, %(unchanged)d unchanged. "
                                "Version %(n)d keeps the result.") % {
        "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
        "n": report.version.number if report.version else 0})  # fmt: skip
    return redirect("transfer:index")


@admin_required
@require_POST
def version_save(request: AdminRequest) -> HttpResponse:
    try:
        version = services.version_save(actor=request.user, note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("Version %(n)d keeps the configuration as it is now.") % {"n": version.number}
        )
    return redirect("transfer:index")


@admin_required
@require_http_methods(["GET"])
def version_detail(request: AdminRequest, number: int) -> HttpResponse:
    """A version: what changed when it was made, and how the configuration differs from it now."""
    version = get_object_or_404(ConfigurationVersion.objects.select_related("actor"), number=number)
    since = services.version_diff(older=version.content, newer=services.config_export(actor=None))
    made = [
        Change(c["section"], c["key"], c["action"], tuple(c.get("fields") or [])) for c in version.changes
    ]
    return render_page(request, "transfer/version.html", section=SECTION, version=version, made=_rows(made),
                       since=_rows(since))  # fmt: skip


@admin_required
@require_POST
def version_revert(request: AdminRequest, number: int) -> HttpResponse:
    version = get_object_or_404(ConfigurationVersion, number=number)
    try:
        report = services.version_revert(actor=request.user, version=version)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("transfer:version_detail", number)
    messages.success(request, _("Back to version %(n)d: %(updated)d changed, %(created)d created again.") % {
        "n": version.number, "updated": report.updated, "created": report.created})  # fmt: skip
    return redirect("transfer:index")
