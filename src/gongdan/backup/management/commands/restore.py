"""`./gongdan manage restore ARCHIVE [--data-dir DIR]`: put a backup back into an empty data folder and, for a
PostgreSQL backup, the empty database DATABASE_URL names. Then run `./gongdan manage migrate` and
`audit_verify`, or rehearse it all first with `restore_drill`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from gongdan.backup.archive import BackupError
from gongdan.backup.restore import restore_archive


class Command(BaseCommand):
    help = "Restore a backup archive into an empty data folder (and an empty PostgreSQL database)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--data-dir", type=Path, help="default: the site's data folder")

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir = (options["data_dir"] or Path(settings.DATA_DIR)).resolve()
        postgres = dict(connection.settings_dict) if connection.vendor == "postgresql" else None
        try:
            restored = restore_archive(options["archive"], data_dir=data_dir, postgres=postgres)
        except BackupError as error:
            raise CommandError(str(error)) from None
        where = postgres["NAME"] if postgres else data_dir
        self.stdout.write(
            f"Restored the backup of {restored.manifest['created_at']} into {where}"
            f" ({restored.media_files} media files). Next: migrate, then audit_verify."
        )
