"""Documents and photos on the asset page: upload, the file, its thumbnail, delete. Staff read them; asset
editors add and remove them (the services check)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from gongdan.assets import selectors
from gongdan.assets.access import can_edit_assets, can_see_assets
from gongdan.assets.documents import asset_document_add, asset_document_delete
from gongdan.assets.models import AssetDocument
from gongdan.core.domain_errors import DomainError, NotFound
from gongdan.core.uploads import IncomingFile
from gongdan.web.forms import TablerForm
from gongdan.web.http import SignedInRequest

# Passive types a browser will not run (as for ticket attachments); anything else is an opaque download.
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


class DocumentForm(TablerForm):
    file = forms.FileField(label=gettext_lazy("File"))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=AssetDocument.Kind.choices, required=False)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False)


def _page(code: str) -> str:
    return reverse("assets:asset_detail", args=[code]) + "#asset-documents"


@login_required
@require_POST
def document_upload(request: SignedInRequest, code: str) -> HttpResponse:
    if not can_edit_assets(request.user):
        raise HttpForbidden
    try:
        asset = selectors.asset_get(actor=request.user, code=code)
    except NotFound as exc:
        raise Http404 from exc
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(_page(asset.code))
    upload = form.cleaned_data["file"]
    try:
        asset_document_add(
            actor=request.user, asset=asset, incoming=IncomingFile(upload.name or "", upload.read()),
            kind=form.cleaned_data["kind"], title=form.cleaned_data["title"],
        )  # fmt: skip
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect(_page(asset.code))
    messages.success(request, _("%(name)s was added.") % {"name": upload.name})
    return redirect(_page(asset.code))


def _serve(document: AssetDocument, *, thumbnail: bool) -> HttpResponseBase:
    stored = document.thumbnail if thumbnail else document.file
    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404 from None
    if thumbnail:
        response = FileResponse(handle, content_type="image/jpeg")
    else:
        inline = document.is_image and document.content_type in INLINE_IMAGE_TYPES
        response = FileResponse(
            handle,
            as_attachment=not inline,
            filename=document.filename,
            content_type=document.content_type
            if inline
            else (document.content_type or "application/octet-stream"),
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _served(request: SignedInRequest, code: str, document_id: int, *, thumbnail: bool) -> HttpResponseBase:
    if not can_see_assets(request.user):
        raise HttpForbidden
    try:
        document = selectors.asset_document_get(actor=request.user, document_id=document_id, code=code)
    except NotFound as exc:
        raise Http404 from exc
    return _serve(document, thumbnail=thumbnail)


@login_required
@require_GET
def document_file(request: SignedInRequest, code: str, document_id: int) -> HttpResponseBase:
    return _served(request, code, document_id, thumbnail=False)


@login_required
@require_GET
def document_thumbnail(request: SignedInRequest, code: str, document_id: int) -> HttpResponseBase:
    return _served(request, code, document_id, thumbnail=True)


@login_required
@require_POST
def document_delete(request: SignedInRequest, code: str, document_id: int) -> HttpResponse:
    if not can_edit_assets(request.user):
        raise HttpForbidden
    try:
        document = selectors.asset_document_get(actor=request.user, document_id=document_id, code=code)
        asset_document_delete(actor=request.user, document=document)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect(_page(code))
    messages.success(request, _("%(name)s was removed.") % {"name": document})
    return redirect(_page(document.asset.code))
