"""Documents and photos on assets (decision 0166): every upload passes the checks ticket attachments pass
(gongdan.core.uploads: size, blocked types, images only if Pillow opens them), is stored 0600 under a random
name with a small JPEG thumbnail for images, and is served only to staff. Adding and removing one appends to
the asset's history and to the audit trail in the same transaction."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.assets.models import Asset, AssetDocument
from gongdan.assets.services import asset_event, require_asset_editor
from gongdan.audit.services import audit_record
from gongdan.core.domain_errors import ValidationFailed
from gongdan.core.uploads import CheckedFile, IncomingFile, check_file

MAX_DOCUMENTS_PER_ASSET = 100
MAX_TITLE = 200
THUMBNAIL_SIZE = (320, 320)
AUDIT_ADD = "assets.document_add"
AUDIT_DELETE = "assets.document_delete"


def _thumbnail(checked: CheckedFile) -> bytes | None:
    """A JPEG of at most 320×320, turned upright by its EXIF orientation; None if Pillow cannot draw it."""
    from PIL import Image, ImageOps  # when a document is added, not at start (decision 0176)

    if not checked.is_image:
        return None
    try:
        with Image.open(io.BytesIO(checked.content)) as image:
            image.seek(0)
            upright = ImageOps.exif_transpose(image) or image
            upright.thumbnail(THUMBNAIL_SIZE)
            out = io.BytesIO()
            upright.convert("RGB").save(out, "JPEG", quality=80, optimize=True)
            return out.getvalue()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


@transaction.atomic
def asset_document_add(
    *, actor: User | None, asset: Asset, incoming: IncomingFile, kind: str = "", title: str = ""
) -> AssetDocument:
    """`actor=None` is the system (the demo)."""
    if actor is not None:
        require_asset_editor(actor)
    checked = check_file(incoming)
    errors: dict[str, list[str]] = {}
    kind = kind or (AssetDocument.Kind.PHOTO if checked.is_image else AssetDocument.Kind.MANUAL)
    if kind not in AssetDocument.Kind.values:
        errors["kind"] = [_("Not one of the choices.")]
    elif kind == AssetDocument.Kind.PHOTO and not checked.is_image:
        errors["file"] = [_("A photo must be a JPEG, PNG, GIF or WebP image.")]
    title = " ".join((title or "").split()) or checked.filename
    if len(title) > MAX_TITLE:
        errors["title"] = [_("At most %(max)d characters.") % {"max": MAX_TITLE}]
    locked = Asset.objects.select_for_update().get(pk=asset.pk)
    if AssetDocument.objects.filter(asset=locked).count() >= MAX_DOCUMENTS_PER_ASSET:
        errors["file"] = [
            _("An asset keeps at most %(max)d documents: remove some first.")
            % {"max": MAX_DOCUMENTS_PER_ASSET}
        ]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], details=errors)
    document = AssetDocument(
        asset=locked, kind=kind, title=title, filename=checked.filename, content_type=checked.content_type,
        size=checked.size, sha256=checked.sha256, is_image=checked.is_image, uploaded_by=actor,
    )  # fmt: skip
    document.file.save(checked.filename, ContentFile(checked.content), save=False)
    thumbnail = _thumbnail(checked)
    if thumbnail is not None:
        document.thumbnail.save("thumb.jpg", ContentFile(thumbnail), save=False)
    document.save()
    asset_event(locked, actor=actor, kind="document_added", data={"title": title, "document_kind": kind})
    audit_record(
        kind=AUDIT_ADD, actor=actor, object_type="assets.assetdocument", object_id=document.pk,
        object_repr=f"{locked.code}: {title}"[:200],
        detail={"asset": locked.code, "filename": checked.filename, "size": checked.size, "sha256": checked.sha256},
    )  # fmt: skip
    return document


@transaction.atomic
def asset_document_delete(*, actor: User, document: AssetDocument) -> None:
    """The row goes at once; the stored files once the deletion has committed."""
    require_asset_editor(actor)
    asset = document.asset
    paths = [str(f.name) for f in (document.file, document.thumbnail) if f]
    storage = document.file.storage
    audit_record(
        kind=AUDIT_DELETE, actor=actor, object_type="assets.assetdocument", object_id=document.pk,
        object_repr=f"{asset.code}: {document.title}"[:200],
        detail={"asset": asset.code, "filename": document.filename, "sha256": document.sha256},
    )  # fmt: skip
    asset_event(asset, actor=actor, kind="document_removed", data={"title": document.title})
    document.delete()

    def remove_files() -> None:
        for path in paths:
            storage.delete(path)

    transaction.on_commit(remove_files)
