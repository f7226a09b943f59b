"""Run by `restore_drill` inside the restored site (its own process, its own settings): count every table,
migrate, verify the audit chain, check every attachment's SHA-256, render a page for a staff member; print one
JSON line. Not for use by hand."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client

from gongdan.accounts.models import STAFF_ROLES, User
from gongdan.audit.models import ChainHead
from gongdan.audit.verification import verify_chain
from gongdan.backup.archive import CHUNK, _tables_state
from gongdan.tickets.models import Attachment


def _attachments() -> dict[str, Any]:
    bad: list[str] = []
    checked = 0
    for attachment in Attachment.objects.order_by("pk").iterator():
        checked += 1
        digest = hashlib.sha256()
        try:
            with attachment.file.open("rb") as file:
                while chunk := file.read(CHUNK):
                    digest.update(chunk)
        except OSError:
            bad.append(f"{attachment.file.name} (missing)")
            continue
        if digest.hexdigest() != attachment.sha256:
            bad.append(f"{attachment.file.name} (changed)")
    return {"checked": checked, "bad": bad}


def _page() -> dict[str, Any]:
    client = Client()
    staff = User.objects.filter(is_active=True, role__in=sorted(STAFF_ROLES)).order_by("pk").first()
    if staff is None:
        response = client.get("/login/")
        return {"ok": response.status_code == 200, "detail": f"sign-in page: HTTP {response.status_code}"}
    client.force_login(staff)
    response = client.get("/", follow=True)
    ok = response.status_code == 200 and len(response.content) > 0
    return {"ok": ok, "detail": f"home page for {staff.username}: HTTP {response.status_code}"}


class Command(BaseCommand):
    help = "Internal: the checks restore_drill runs inside a restored site."

    def handle(self, *args: Any, **options: Any) -> None:
        with connection.cursor() as cursor:
            counts = _tables_state(cursor, connection.vendor)["counts"]
        try:
            call_command("migrate", interactive=False, verbosity=0)
            migrate = {"ok": True, "detail": "the site starts: migrations applied up to this code"}
        except Exception as error:  # reported in the verdict, not raised
            migrate = {"ok": False, "detail": f"migrate failed: {error}"}
        verdict = verify_chain()
        head = ChainHead.objects.filter(pk=1).first()
        audit = {
            "ok": verdict.ok,
            "detail": (
                f"{verdict.checked} entries hold" if verdict.ok and verdict.broken is None
                else f"broken at entry {verdict.broken.seq if verdict.broken else '?'}"
            ),
            "head_seq": head.seq if head else 0,
            "head_hash": head.hash if head else "",
        }  # fmt: skip
        result = {"counts": counts, "migrate": migrate, "audit": audit, "attachments": _attachments(),
                  "page": _page()}  # fmt: skip
        self.stdout.write(json.dumps(result, ensure_ascii=False))
