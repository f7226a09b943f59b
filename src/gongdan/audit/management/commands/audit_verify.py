"""`./gongdan manage audit_verify`: walk the audit chain from the newest checkpoint; exit 1 naming the first
broken link."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from gongdan.audit.models import Checkpoint
from gongdan.audit.verification import verify_chain


class Command(BaseCommand):
    help = (
        "Verify the audit trail's hash chain; exit status 1 and the first broken link when it does not hold."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = Checkpoint.objects.order_by("-seq").first()
        start = f"checkpoint after entry {checkpoint.seq}" if checkpoint else "the first entry"
        verdict = verify_chain()
        if verdict.broken is not None:
            self.stderr.write(
                f"Audit chain BROKEN at entry {verdict.broken.seq}: {verdict.broken.reason} "
                f"({verdict.checked} entries checked from {start})."
            )
            sys.exit(1)
        span = f" (entries {verdict.first_seq}–{verdict.last_seq})" if verdict.checked else ""
        self.stdout.write(f"Audit chain holds: {verdict.checked} entries from {start}{span}.")
