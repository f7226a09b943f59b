"""Ticket attachments' stored files: the orphan sweep. The checks every upload passes live in
gongdan.core.uploads (asset documents and 3D models pass the same ones) and are re-exported here."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.files.storage import default_storage
from django.utils import timezone

from gongdan.core.uploads import (
    BLOCKED_EXTENSIONS,
    INLINE_IMAGE_FORMATS,
    KNOWN_TYPES,
    CheckedFile,
    IncomingFile,
    check_file,
    safe_filename,
)
from gongdan.tickets.models import Attachment
from gongdan.tickets.models.activity import ATTACHMENT_DIR

__all__ = [
    "BLOCKED_EXTENSIONS",
    "INLINE_IMAGE_FORMATS",
    "KNOWN_TYPES",
    "CheckedFile",
    "IncomingFile",
    "attachment_orphans_purge",
    "check_file",
    "safe_filename",
]

ORPHAN_GRACE = timedelta(days=1)


def attachment_orphans_purge(*, now: datetime | None = None, months: int = 2) -> int:
    """Delete stored files that no attachment row names, older than a day. Returns how many.

    A file is written to storage before the attachment row commits; when that transaction rolls back
    (a later validation error, a lost version race) the file stays behind with nothing pointing to it.
    Only the last `months` month folders (`attachments/YYYY/MM/`) are walked: the daily run has already
    cleaned older ones. Files younger than a day are left alone — their transaction may still be open.
    """

    now = now or timezone.now()
    month = now.date().replace(day=1)
    removed = 0
    for _step in range(months):
        folder = f"{ATTACHMENT_DIR}/{month:%Y/%m}"
        month = (month - timedelta(days=1)).replace(day=1)
        try:
            _dirs, names = default_storage.listdir(folder)
        except FileNotFoundError:
            continue
        for start in range(0, len(names), 500):
            paths = [f"{folder}/{name}" for name in names[start : start + 500]]
            known = set(Attachment.objects.filter(file__in=paths).values_list("file", flat=True))
            for path in paths:
                if path in known or now - default_storage.get_modified_time(path) < ORPHAN_GRACE:
                    continue
                default_storage.delete(path)
                removed += 1
    return removed
