"""`./gongdan manage audit_verify`: walk the audit chain from the newest checkpoint; exit 1 naming the first
broken link. Entries not yet chained (the chainer runs within a second of their commit) are reported as the
tail; `--chain-first` gives them their place before the walk."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gongdan.audit.models import Checkpoint
from gongdan.audit.services import audit_chain_pending
from gongdan.audit.verification import verify_chain


class Command(BaseCommand):
    help = (
        "Verify the audit trail's hash chain; exit status 1 and the first broken link when it does not hold."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--chain-first", action="store_true", help="chain the entries still waiting before verifying"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["chain_first"]:
            audit_chain_pending()
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
        if verdict.unchained:
            self.stdout.write(
                f"{verdict.unchained} newer entries are not chained yet (the chainer gives them their place"
                " within a second of their commit; run with --chain-first to do it now)."
            )
