"""Re-seal every encrypted value under the first key of GONGDAN_FIELD_KEYS and the configured cipher."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gongdan.core import field_crypto
from gongdan.core.encrypted_stores import BATCH, encrypted_stores


class Command(BaseCommand):
    help = (
        "Re-encrypt sealed credentials and sensitive field values under the newest key and the configured "
        "cipher (GONGDAN_FIELD_KEYS, GONGDAN_FIELD_CIPHER). Safe to stop and run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=BATCH)
        parser.add_argument(
            "--new-key",
            metavar="ID",
            help="Print a fresh key entry for GONGDAN_FIELD_KEYS and change nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            self.stdout.write(field_crypto.generate_key_line(options["new_key"]))
            return
        ring = field_crypto.key_ring()
        self.stdout.write(f"sealing with {ring.algorithm} under key {ring.current_id}")
        total = 0
        for store in encrypted_stores():
            changed = store.rotate(max(1, options["batch_size"]))
            total += changed
            self.stdout.write(f"{store.label}: {changed} re-sealed")
        self.stdout.write(f"done: {total} re-sealed")
