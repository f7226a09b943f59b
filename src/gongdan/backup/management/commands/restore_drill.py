"""`./gongdan manage restore_drill ARCHIVE`: prove a backup restores to a working site, in a scratch place
that is removed afterwards. Prints each check and a verdict; exit status 1 when the drill fails."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongdan.backup.archive import BackupError
from gongdan.backup.drill import run_drill


class Command(BaseCommand):
    help = "Restore a backup into a scratch place, start the site on it and check it; print a verdict."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--scratch", type=Path, help="where the scratch data folder goes (default: /tmp)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = run_drill(options["archive"].resolve(), scratch_root=options["scratch"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        for check in report.checks:
            self.stdout.write(f"  [{'ok' if check.ok else 'FAIL'}] {check.name}: {check.detail}")
        if not report.ok:
            self.stderr.write(f"Restore drill FAILED for {report.archive.name}.")
            sys.exit(1)
        self.stdout.write(f"Restore drill passed: {report.archive.name} restores to a working site.")
