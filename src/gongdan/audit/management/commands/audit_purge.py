"""`./gongdan manage audit_purge [--before YYYY-MM-DD]`: remove whole segments of entries older than the
retention period (GONGDAN_AUDIT_RETENTION_DAYS, at least 180) behind a checkpoint. The daily task does the
same; the purge is itself recorded."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from gongdan.audit.services import audit_purge
from gongdan.core.domain_errors import DomainError


class Command(BaseCommand):
    help = "Purge audit entries older than the retention period (or --before a date), whole segments only."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--before", help="purge entries written before this date (YYYY-MM-DD)")

    def handle(self, *args: Any, before: str | None = None, **options: Any) -> None:
        cutoff = None
        if before:
            try:
                day = datetime.strptime(before, "%Y-%m-%d").date()  # noqa: DTZ007 (a date, zoned below)
            except ValueError as exc:
                raise CommandError("--before takes a date such as 2026-01-31") from exc
            cutoff = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
        try:
            checkpoint = audit_purge(before=cutoff)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        if checkpoint is None:
            self.stdout.write("Nothing old enough to purge.")
        else:
            self.stdout.write(f"Purged {checkpoint.purged} entries up to entry {checkpoint.seq}.")
