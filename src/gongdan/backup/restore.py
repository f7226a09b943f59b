"""Putting a backup back: into an empty data folder (SQLite: the database file and the media) or an empty
PostgreSQL database (pg_restore) plus the data folder's media. A target that already holds data is refused:
a restore never merges into, or overwrites, a live site."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from gongdan.backup.archive import (
    MEDIA_PREFIX,
    PGDUMP_MEMBER,
    SECRET_KEY_MEMBER,
    SQLITE_MEMBER,
    BackupError,
    pg_env,
    pg_tool,
    pg_url,
    private_dir,
    unpacked,
)

SQLITE_FILE = "gongdan.sqlite3"  # where the settings look for the database in a data folder


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, Any]
    data_dir: Path
    media_files: int


def _media_is_empty(media: Path) -> bool:
    return not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def _pg_is_empty(settings_dict: dict[str, Any]) -> bool:
    with psycopg.connect(pg_url(settings_dict), password=settings_dict.get("PASSWORD") or None) as conn:
        row = conn.execute("SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()").fetchone()
    return row is not None and row[0] == 0


def _copy_private(source: Path, target: Path) -> None:
    private_dir(target.parent)
    with source.open("rb") as src, target.open("xb") as dst:
        target.chmod(0o600)
        shutil.copyfileobj(src, dst)


def restore_archive(archive: Path, *, data_dir: Path, postgres: dict[str, Any] | None = None) -> Restored:
    """Restore `archive`. SQLite backups go to `data_dir/gongdan.sqlite3`; PostgreSQL backups into the
    database `postgres` describes (a Django settings dict), which must be empty. Media go to
    `data_dir/media` either way, which must hold no files."""
    media = data_dir / "media"
    if not _media_is_empty(media):
        raise BackupError(f"{media} already holds files: restore into an empty data folder")
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=private_dir(data_dir)) as work:
        workdir = Path(work)
        with unpacked(archive, into=workdir / "archive") as manifest:
            vendor = manifest["database"]["vendor"]
            if vendor == "sqlite":
                if postgres is not None:
                    raise BackupError("this is an SQLite backup: restore it without a PostgreSQL database")
                target = data_dir / SQLITE_FILE
                if target.exists() and target.stat().st_size > 0:
                    raise BackupError(f"{target} already holds a database: restore into an empty data folder")
                target.unlink(missing_ok=True)  # the empty file a first start leaves
                _copy_private(workdir / "archive" / SQLITE_MEMBER, target)
            elif vendor == "postgresql":
                if postgres is None:
                    raise BackupError("this is a PostgreSQL backup: give the database to restore it into")
                if not _pg_is_empty(postgres):
                    raise BackupError(
                        f"the database {postgres['NAME']} already has tables: restore into an empty database"
                    )
                result = subprocess.run(  # noqa: S603 (argument list of our own)
                    [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                     "--single-transaction", f"--dbname={pg_url(postgres)}",
                     str(workdir / "archive" / PGDUMP_MEMBER)],
                    env=pg_env(postgres), capture_output=True, text=True, check=False,
                )  # fmt: skip
                if result.returncode != 0:
                    raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
            else:
                raise BackupError(f"unknown database vendor {vendor!r} in the manifest")
            count = 0
            for name in manifest["files"]:
                if name.startswith(MEDIA_PREFIX):
                    _copy_private(workdir / "archive" / name, media / name.removeprefix(MEDIA_PREFIX))
                    count += 1
            if manifest.get("with_secret_key"):
                key = data_dir / "secret_key"
                key.unlink(missing_ok=True)  # a fresh folder's generated key gives way to the site's own
                _copy_private(workdir / "archive" / SECRET_KEY_MEMBER, key)
    return Restored(manifest=manifest, data_dir=data_dir, media_files=count)
