"""Checking an uploaded file before it is kept, whichever app keeps it (ticket attachments, asset documents,
3D models): size, blocked types, and whether it is an image a browser may show inline (Pillow must open it)."""

from __future__ import annotations

import hashlib
import io
import os
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from gongdan.core.domain_errors import ValidationFailed

# Never stored: files a browser or a desktop would run or render as active content.
BLOCKED_EXTENSIONS = frozenset(
    {
        "htm", "html", "xhtml", "shtml", "svg", "svgz", "xml", "xsl", "js", "mjs", "vbs", "wsf", "hta",
        "exe", "com", "bat", "cmd", "scr", "msi", "ps1", "jar", "dll", "sh", "php", "asp", "aspx", "jsp",
    }
)  # fmt: skip
INLINE_IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
KNOWN_TYPES = {
    "pdf": "application/pdf",
    "txt": "text/plain",
    "log": "text/plain",
    "csv": "text/csv",
    "json": "application/json",
    "zip": "application/zip",
    "7z": "application/x-7z-compressed",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "eml": "message/rfc822",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "heic": "image/heic",
}


@dataclass(frozen=True)
class IncomingFile:
    """A file as it arrives from any channel (form upload, API multipart, mail part)."""

    name: str
    content: bytes


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content: bytes
    content_type: str
    size: int
    sha256: str
    is_image: bool


def safe_filename(name: str) -> str:
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/"))).strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"/\\|?*')
    return (name or "file")[:200]


def check_file(incoming: IncomingFile) -> CheckedFile:
    filename = safe_filename(incoming.name)
    size = len(incoming.content)
    limit = settings.GONGDAN_MAX_ATTACHMENT_BYTES
    if size == 0:
        raise ValidationFailed(
            _("The file “%(name)s” is empty.") % {"name": filename}, details={"file": [_("Empty file.")]}
        )
    if size > limit:
        message = _("The file “%(name)s” is larger than %(limit)d MB.") % {
            "name": filename,
            "limit": limit // (1024 * 1024),
        }
        raise ValidationFailed(message, code="file_too_large", details={"file": [message]})
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension in BLOCKED_EXTENSIONS:
        message = _("Files of type .%(ext)s are not accepted.") % {"ext": extension}
        raise ValidationFailed(message, code="file_type_blocked", details={"file": [message]})
    head = incoming.content[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<svg", b"<?xml", b"<script")):
        message = _("Web pages and SVG files are not accepted as attachments.")
        raise ValidationFailed(message, code="file_type_blocked", details={"file": [message]})
    image_type = _image_type(incoming.content)
    if image_type:
        content_type, is_image = image_type, True
    else:
        content_type, is_image = KNOWN_TYPES.get(extension, "application/octet-stream"), False
    return CheckedFile(
        filename=filename,
        content=incoming.content,
        content_type=content_type,
        size=size,
        sha256=hashlib.sha256(incoming.content).hexdigest(),
        is_image=is_image,
    )


def _image_type(content: bytes) -> str | None:
    """Only a file Pillow opens as PNG/JPEG/GIF/WebP is an image; a renamed file stays a download."""
    from PIL import Image, UnidentifiedImageError  # with the first upload, not at every start (decision 0176)

    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
            return INLINE_IMAGE_FORMATS.get(image.format or "")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
