"""Apply the retention rules to closed tickets now (the task queue does it nightly)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gongdan.privacy.services import retention_run


class Command(BaseCommand):
    help = "Purge closed tickets' personal data past their retention; --dry-run only counts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        result = retention_run(actor=None, dry_run=options["dry_run"])
        if not result.enabled:
            self.stdout.write("no retention rule is set: nothing to do")
            return
        prefix = "would purge" if result.dry_run else "purged"
        for label, counts in result.counts.items():
            self.stdout.write(f"{label}: {prefix} {counts}")
