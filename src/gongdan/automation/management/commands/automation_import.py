"""Read a file from `automation_export` and create or update the rules and shared macros it holds (by name), as
an administrator of this site. All or nothing; imported rules arrive switched off until dry-run here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongdan.accounts.models import User
from gongdan.automation.services import config_import
from gongdan.core.domain_errors import DomainError


class Command(BaseCommand):
    help = "Import automation rules and shared macros from an export file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--as", dest="username", required=True, help="The administrator the import acts as."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        admin = User.objects.filter(username=options["username"], is_active=True).first()
        if admin is None:
            raise CommandError(f"No active user {options['username']!r}.")
        try:
            data = json.loads(Path(options["file"]).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc}") from exc
        try:
            summary = config_import(actor=admin, data=data)
        except DomainError as exc:
            raise CommandError(f"{exc.message} {exc.details}") from exc
        self.stdout.write(
            f"Rules: {summary.rules_created} created, {summary.rules_updated} updated; "
            f"macros: {summary.macros_created} created, {summary.macros_updated} updated."
        )
