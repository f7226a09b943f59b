"""Read a file from `config_export` and create or update what it holds, by natural key, as an administrator of
this site: all or nothing. `--dry-run` says what it would do and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongdan.accounts.models import User
from gongdan.core.domain_errors import DomainError
from gongdan.transfer.services import config_import


class Command(BaseCommand):
    help = "Import a configuration file from config_export (all or nothing; --dry-run to preview)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--as", dest="username", required=True, help="The administrator the import acts as."
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        admin = User.objects.filter(username=options["username"], is_active=True).first()
        if admin is None:
            raise CommandError(f"No active user {options['username']!r}.")
        try:
            data = json.loads(Path(options["file"]).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc}") from exc
        try:
            report = config_import(actor=admin, data=data, dry_run=options["dry_run"])
        except DomainError as exc:
            raise CommandError(f"Nothing was imported: {exc.message}") from exc
        for change in report.changes:
            if change.action != "unchanged":
                fields = f" ({', '.join(change.fields)})" if change.fields else ""
                self.stdout.write(f"{change.action:9} {change.section}: {change.key}{fields}")
        verb = "Would create" if report.dry_run else "Created"
        self.stdout.write(f"{verb} {report.created}, {'would change' if report.dry_run else 'changed'} "
                          f"{report.updated}, {report.unchanged} unchanged.")  # fmt: skip
        if report.version is not None:
            self.stdout.write(f"Version {report.version.number} keeps the result.")
