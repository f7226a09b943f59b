"""`./gongdan manage backup [--output DIR] [--with-secret-key]`: one dated archive of the database, the media
and a manifest (docs/operations.md, "Backups")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongdan.backup.archive import BackupError, make_backup


class Command(BaseCommand):
    help = "Back up the database (SQLite online backup or pg_dump) and the attachments into one archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="folder for the archive (default: <data>/backups)")
        parser.add_argument(
            "--with-secret-key", action="store_true",
            help="include the data folder's secret key (needed to open sealed credentials on a new machine)",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        output = options["output"] or Path(settings.DATA_DIR) / "backups"
        try:
            backup = make_backup(output.resolve(), with_secret_key=options["with_secret_key"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        counts = backup.manifest["counts"]
        self.stdout.write(
            f"{backup.path}\n  {backup.manifest['database']['vendor']}: {len(counts)} tables,"
            f" {sum(counts.values())} rows; {len(backup.manifest['files']) - 1} files"
            f"{' and the secret key' if backup.manifest['with_secret_key'] else ''}"
        )
