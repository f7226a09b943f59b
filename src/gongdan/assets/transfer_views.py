"""The register's import and export screen (/assets/transfer/): upload, preview (a dry run that shows what
each row would do), import; template and export downloads. Administrators only, like the API's."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django import forms
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.assets import register_transfer as transfer
from gongdan.core.domain_errors import DomainError
from gongdan.core.uploads import safe_filename
from gongdan.web.forms import TablerForm

PENDING_DIR = "imports"
PENDING_MAX_AGE = 3600
SALT = "gongdan.assets.import"


class ImportForm(TablerForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("What the file holds"),
        choices=[(transfer.LOCATIONS, gettext_lazy("Locations")), (transfer.ASSETS, gettext_lazy("Assets"))],
        widget=forms.RadioSelect,
        initial=transfer.ASSETS,
    )
    file = forms.FileField(label=gettext_lazy("File (XLSX or CSV)"))
    valid_rows = forms.BooleanField(
        label=gettext_lazy("Import the valid rows even if some rows have errors"), required=False
    )


def _export_response(export: transfer.ExportFile) -> HttpResponse:
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _keep_pending(content: bytes) -> str:
    """The previewed file waits in storage (mode 0600) for the confirmation; stale ones are swept here."""
    try:
        _dirs, names = default_storage.listdir(PENDING_DIR)
    except (FileNotFoundError, NotImplementedError):
        names = []
    cutoff = timezone.now() - timedelta(seconds=PENDING_MAX_AGE * 2)
    for name in names[:200]:
        path = f"{PENDING_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except (FileNotFoundError, NotImplementedError):
            continue
    return default_storage.save(f"{PENDING_DIR}/{uuid.uuid4().hex}", ContentFile(content))


def _take_pending(token: str, user_id: int) -> tuple[dict[str, Any], bytes] | None:
    try:
        held = signing.loads(token, salt=SALT, max_age=PENDING_MAX_AGE)
    except signing.BadSignature:
        return None
    if (
        not isinstance(held, dict)
        or held.get("user") != user_id
        or not str(held.get("path", "")).startswith(f"{PENDING_DIR}/")
    ):
        return None
    try:
        with default_storage.open(held["path"], "rb") as handle:
            content = handle.read()
    except (FileNotFoundError, OSError):
        return None
    return held, content


@admin_required
@require_http_methods(["GET", "POST"])
def register_transfer(request: AdminRequest) -> HttpResponse:
    context: dict[str, Any] = {"kinds": transfer.KINDS, "formats": transfer.FORMATS}
    status = 200
    form = ImportForm()
    if request.method == "POST" and request.POST.get("token"):
        held = _take_pending(request.POST["token"], request.user.pk)
        if held is None:
            context["expired"] = True
            status = 400
        else:
            values, content = held
            report = transfer.register_import(
                actor=request.user, kind=values["kind"], content=content, filename=values["name"],
                mode=values["mode"],
            )  # fmt: skip
            default_storage.delete(values["path"])
            context.update(report=report, filename=values["name"])
            status = 200 if report.applied else 422
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > transfer.max_bytes():
                form.add_error(
                    "file",
                    _("The file is larger than %(limit)d KB.") % {"limit": transfer.max_bytes() // 1024},
                )
            else:
                content = upload.read()
                kind = form.cleaned_data["kind"]
                mode = transfer.VALID_ROWS if form.cleaned_data["valid_rows"] else transfer.ALL_OR_NOTHING
                name = safe_filename(upload.name or "")
                try:
                    report = transfer.register_import(
                        actor=request.user, kind=kind, content=content, filename=name, mode=mode, dry_run=True
                    )
                except DomainError as exc:
                    for messages in (exc.details or {}).values():
                        for message in messages:
                            form.add_error("file", str(message))
                    if not exc.details:
                        form.add_error("file", str(exc.message))
                else:
                    context.update(report=report, filename=name, preview=True)
                    if report.created or report.updated:
                        path = _keep_pending(content)
                        context["token"] = signing.dumps(
                            {"user": request.user.pk, "path": path, "kind": kind, "mode": mode, "name": name},
                            salt=SALT,
                        )
        if form.errors:
            status = 422
    context["form"] = form
    return render(request, "assets/transfer.html", context, status=status)


@admin_required
@require_GET
def register_download(request: AdminRequest, kind: str, file_format: str) -> HttpResponse:
    """`?template=1` is the empty file with the header row only."""
    try:
        export = transfer.register_export(
            actor=request.user,
            kind=kind,
            file_format=file_format,
            template=request.GET.get("template") == "1",
        )
    except DomainError:
        return HttpResponse(status=404)
    return _export_response(export)
